package main

// The planted bugs. Each replaces one snippet that must occur exactly once
// in its file (the run stops before testing anything when one does not: a
// list that no longer matches the code must be fixed, not ignored). Keep
// snippets short, so that edits around them do not break them, and test
// the cheapest packages that kill the mutant; ./test/e2e only when nothing
// cheaper does. When new core logic lands (a distro matcher, the scope
// filter, set-level evaluation), add its mutants here.
//
// Tried and left out because no test caught them when the list was
// written (whole suite, ./test/e2e included); add them once a test does:
//   - report.PackageSetHash ignoring the arch column
//     ("buf = append(buf, p.Arch...)" -> "buf = append(buf, \"\"...)");
//   - intake taking report=1 as store-only ("m = string(StoreAndReport)"
//     -> "m = string(StoreOnly)");
//   - a Packages index overwriting learned binary->source mappings
//     (LearnBinarySources' "WHERE binary_sources.origin <> 'learned' OR
//     excluded.origin = 'learned'" -> "WHERE true").
var mutants = []mutant{
	// The bugs issue 7 found passing every test.
	{
		Name: "intake-store-error-ok",
		Desc: "intake answers 200 OK when storing the report failed",
		File: "internal/intake/intake.go",
		Orig: "saved, err := h.Store.SaveReport(ctx, req.in)",
		Repl: "saved, _ := h.Store.SaveReport(ctx, req.in)\n\tvar err error",
		Pkgs: []string{"./internal/intake"},
	},
	{
		Name: "changed-report-not-evaluated",
		Desc: "a changed report of an already-evaluated host is not re-evaluated",
		File: "internal/intake/intake.go",
		Orig: "req.saved.Change == store.HostUnchanged",
		Repl: "req.saved.Change != store.HostNew",
		Pkgs: []string{"./internal/intake", "./internal/match"},
	},
	{
		Name: "resolved-never-reopens",
		Desc: "a resolved finding never re-opens when the host goes back to a vulnerable version",
		File: "internal/store/evaluate.go",
		Orig: "DO UPDATE SET resolved_at = NULL",
		Repl: "DO UPDATE SET resolved_at = findings.resolved_at",
		Pkgs: []string{"./internal/store", "./internal/match"},
	},
	{
		Name: "after-index-invalidates-nothing",
		Desc: "AfterIndex (a Packages index after binary-name matches) invalidates nothing",
		File: "internal/match/match.go",
		Orig: "InvalidateBasis(ctx, g, BasisBinaryName)",
		Repl: `InvalidateBasis(ctx, g, "no-such-basis")`,
		Pkgs: []string{"./internal/match"},
	},
	{
		Name: "binnmu-strip-removed",
		Desc: "the binNMU (+bN) strip in binary->source resolution removed",
		File: "internal/match/match.go",
		Orig: `r.srcVersion = binNMU.ReplaceAllString(p.Version, "")`,
		Repl: `r.srcVersion = p.Version`,
		Pkgs: []string{"./internal/match"},
	},
	{
		Name: "cve-list-rank",
		Desc: "the CVE list ranked below the DSA/DLA lists (originRank)",
		File: "internal/match/match.go",
		Orig: "\"-cve-list\"):\n\t\treturn 2",
		Repl: "\"-cve-list\"):\n\t\treturn 0",
		Pkgs: []string{"./internal/match"},
	},
	{
		Name: "findings-scope-ignored",
		Desc: "HostFindings ignores the caller's site scope",
		File: "internal/store/findings.go",
		Orig: "cond, args := sc.sql(\"s.name\", 2)\n\topen",
		Repl: "cond, args := AllSites().sql(\"s.name\", 2)\n\topen",
		Pkgs: []string{"./internal/store", "./internal/web"},
	},
	{
		Name: "cve-scope-ignored",
		Desc: "CVE (the hosts of a CVE) ignores the caller's site scope",
		File: "internal/store/cves.go",
		Orig: `cond, args := sc.sql("s.name", 2)`,
		Repl: `cond, args := AllSites().sql("s.name", 2)`,
		Pkgs: []string{"./internal/store", "./internal/web"},
	},
	{
		Name: "size-check-off-by-one",
		Desc: "a report of exactly the size limit refused (Content-Length > became >=)",
		File: "internal/intake/intake.go",
		Orig: "if r.ContentLength > h.Limits.MaxBytes {",
		Repl: "if r.ContentLength >= h.Limits.MaxBytes {",
		Pkgs: []string{"./internal/intake"},
	},
	{
		Name: "content-length-precheck-removed",
		Desc: "the Content-Length pre-check removed (a huge announced size is read, and buffered, before refusal)",
		File: "internal/intake/intake.go",
		Orig: "if r.ContentLength > h.Limits.MaxBytes {",
		Repl: "if false && r.ContentLength > h.Limits.MaxBytes {",
		Pkgs: []string{"./internal/intake"},
	},
	{
		Name: "running-kernel-filter-dropped",
		Desc: "every installed kernel image counts, not only the running one (RefreshFindings)",
		File: "internal/store/evaluate.go",
		Orig: "(v.kernel = '' OR v.kernel = h.kernel)",
		Repl: "(v.kernel = '' OR v.kernel <> '')",
		Pkgs: []string{"./internal/store", "./internal/match", "./internal/demo"},
	},
	{
		Name: "kernel-headers-counted",
		Desc: "kernel headers and other linux binaries counted as ordinary packages (classifyDeb)",
		File: "internal/match/kernel.go",
		Orig: `return kernelSupport, ""`,
		Repl: `return notKernel, ""`,
		Pkgs: []string{"./internal/match", "./internal/demo"},
	},
	{
		Name: "invalidate-keeps-verdicts",
		Desc: "an import's invalidation keeps the old verdicts (store Invalidate)",
		File: "internal/store/evaluate.go",
		Orig: "WHERE os_group = $1 AND source_name = $2)",
		Repl: "WHERE os_group = $1 AND source_name = $2 AND 1 = 0)",
		Pkgs: []string{"./internal/store", "./internal/match", "./internal/demo"},
	},

	// Bugs the suite already caught when the list was written.
	{
		Name: "deb-tilde-after-end",
		Desc: "deb: '~' sorts after the end of the string (1.0~rc1 > 1.0)",
		File: "internal/version/deb.go",
		Orig: "case c == '~':\n\t\treturn -1",
		Repl: "case c == '~':\n\t\treturn 1",
		Pkgs: []string{"./internal/version"},
	},
	{
		Name: "deb-epoch-ignored",
		Desc: "deb: the epoch is ignored (1:1.0 = 1.0)",
		File: "internal/version/deb.go",
		Orig: "compareNumbers(va.epoch, vb.epoch)",
		Repl: "compareNumbers(va.epoch, va.epoch)",
		Pkgs: []string{"./internal/version"},
	},
	{
		Name: "rpm-release-missing-newer",
		Desc: "rpm: a version without release sorts after one with a release",
		File: "internal/version/rpm.go",
		Orig: "case va.hasRelease:\n\t\treturn 1",
		Repl: "case va.hasRelease:\n\t\treturn -1",
		Pkgs: []string{"./internal/version"},
	},
	{
		Name: "verdict-fixed-version-vulnerable",
		Desc: "match.Verdicts: a host at exactly the fixed version is vulnerable (< became <=)",
		File: "internal/match/match.go",
		Orig: "cmp.Compare(installed, fixed.FixedVersion) < 0",
		Repl: "cmp.Compare(installed, fixed.FixedVersion) <= 0",
		Pkgs: []string{"./internal/match"},
	},
	{
		Name: "verdict-earliest-fix",
		Desc: "match.Verdicts: the earliest fix of a CVE decides instead of the latest",
		File: "internal/match/match.go",
		Orig: "cmp.Compare(a.FixedVersion, fixed.FixedVersion) > 0",
		Repl: "cmp.Compare(a.FixedVersion, fixed.FixedVersion) < 0",
		Pkgs: []string{"./internal/match"},
	},
	{
		Name: "verdict-not-affected-counts",
		Desc: "match.Verdicts: a not-affected record makes a finding with no fix",
		File: "internal/match/match.go",
		Orig: "case a.Status == model.StatusNotAffected:",
		Repl: `case a.Status == "no-such-status":`,
		Pkgs: []string{"./internal/match"},
	},
	{
		Name: "verdict-unfixed-ignored",
		Desc: "match.Verdicts: open, no-dsa and end-of-life records make no finding",
		File: "internal/match/match.go",
		Orig: "\t\t\tv = open\n",
		Repl: "\t\t\tv = nil\n",
		Pkgs: []string{"./internal/match"},
	},
	{
		Name: "osgroup-debian-no-scheme",
		Desc: "osgroup.Scheme: Debian groups have no version scheme (never evaluated)",
		File: "internal/osgroup/osgroup.go",
		Orig: `case "debian", "ubuntu":`,
		Repl: `case "ubuntu":`,
		Pkgs: []string{"./internal/demo"},
	},
	{
		Name: "osgroup-point-release",
		Desc: "osgroup: \"Debian GNU/Linux 11.6\" no longer maps to debian:11",
		File: "internal/osgroup/osgroup.go",
		Orig: `(\d+)(?:\.\d+)*(?:\s|$)`,
		Repl: `(\d+)(?:\s|$)`,
		Pkgs: []string{"./internal/osgroup"},
	},
	{
		Name: "report-max-packages-off-by-one",
		Desc: "report.Parse: MaxPackages packages refused (>= became >)",
		File: "internal/report/parse.go",
		Orig: "len(r.Packages) >= lim.MaxPackages",
		Repl: "len(r.Packages) > lim.MaxPackages",
		Pkgs: []string{"./internal/report"},
	},
	{
		Name: "findings-never-resolved",
		Desc: "RefreshFindings never resolves a finding whose verdict is gone",
		File: "internal/store/evaluate.go",
		Orig: "WHERE host_id = $1 AND resolved_at IS NULL AND NOT EXISTS",
		Repl: "WHERE host_id = $1 AND resolved_at IS NULL AND 1 = 0 AND NOT EXISTS",
		Pkgs: []string{"./internal/store", "./internal/match", "./test/e2e"},
	},
	{
		Name: "signed-kernel-not-linux",
		Desc: "signed kernel images keep their linux-signed-* source (never matched as linux)",
		File: "internal/match/match.go",
		Orig: `strings.HasPrefix(r.src, "linux-signed") {`,
		Repl: `strings.HasPrefix(r.src, "no-such-source") {`,
		Pkgs: []string{"./internal/match", "./internal/demo"},
	},
}

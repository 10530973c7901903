package oval

import (
	"testing"
)

// rhelFacts is a host of RHEL major (its /etc/redhat-release owned by
// redhat-release of that major; "" for a host without the file), with
// packages "name evr arch".
func rhelFacts(major string, pkgs ...Package) *Facts {
	f := &Facts{Packages: pkgs, AssumeVendorSigned: true, FileOwners: map[string][]Package{}}
	if major != "" {
		f.FileOwners["/etc/redhat-release"] = []Package{{Name: "redhat-release", EVR: "0:" + major + ".1-1.el" + major, Arch: "x86_64"}}
	}
	return f
}

func moduleFile(name, stream string) map[string]string {
	return map[string]string{"/etc/dnf/modules.d/" + name + ".module": "[" + name + "]\nname=" + name + "\nstream=" + stream + "\nprofiles=\nstate=enabled\n"}
}

// TestEvalRealDefinitions evaluates real definitions over hand-made hosts;
// each expectation is read from the definition's text (cited).
func TestEvalRealDefinitions(t *testing.T) {
	v2, _, _ := parseAll(t, readExcerpt(t, "rhel-9-including-unpatched.oval.excerpt.xml.bz2"), 0)
	v1, _, _ := parseAll(t, readExcerpt(t, "rhel8-v1.excerpt.xml"), 0)
	const (
		firefox = "oval:com.redhat.rhsa:def:20224765"       // RHSA-2022:4765: firefox is earlier than 0:91.9.1-1.el9_0, arch aarch64|ppc64le|s390x|x86_64, RHEL 9
		tar     = "oval:com.redhat.cve:def:20052541"        // CVE-2005-2541: tar is installed, resolution "Will not fix", RHEL 9
		zlib    = "oval:com.redhat.unaffected:def:20020059" // CVE-2002-0059 unaffected: zlib is installed AND zlib is not installed
		nodejs  = "oval:com.redhat.rhea:def:20200330"       // RHEA-2020:0330: Module nodejs:12 is enabled, nodejs is earlier than 1:12.14.1-1.module+el8.1.0+5466+30f75629
		kernel  = "oval:com.redhat.rhsa:def:20191167"       // RHSA-2019:1167: kernel earlier than 0:4.18.0-80.1.2.el8_0 running / next boot, kernel is earlier than 0:4.18.0-80.1.2.el8_0
		vim     = "oval:com.redhat.rhsa:def:20191619"       // RHSA-2019:1619: RHEL 7 vim-minimal is earlier than 2:7.4.160-6.el7_6; RHEL 8 vim-minimal is earlier than 2:8.0.1763-11.el8_0
	)
	nodeOld := Package{Name: "nodejs", EVR: "1:12.13.1-1.module+el8.1.0+4811+da2e5a31", Arch: "x86_64"}
	kernelOld := Package{Name: "kernel", EVR: "0:4.18.0-80.el8", Arch: "x86_64"}
	for _, tc := range []struct {
		name string
		defs map[string]*Definition
		def  string
		f    *Facts
		want Result
	}{
		{"firefox older on RHEL 9", v2, firefox, rhelFacts("9", Package{"firefox", "0:91.8.0-1.el9_0", "x86_64", ""}), True},
		{"firefox == fixed", v2, firefox, rhelFacts("9", Package{"firefox", "0:91.9.1-1.el9_0", "x86_64", ""}), False},
		{"firefox older, epoch-less report", v2, firefox, rhelFacts("9", Package{"firefox", "91.8.0-1.el9_0", "x86_64", ""}), True},
		{"firefox older but arch i686 not in the state", v2, firefox, rhelFacts("9", Package{"firefox", "0:91.8.0-1.el9_0", "i686", ""}), False},
		{"firefox older on RHEL 8", v2, firefox, rhelFacts("8", Package{"firefox", "0:91.8.0-1.el8_5", "x86_64", ""}), False},
		{"no firefox", v2, firefox, rhelFacts("9"), False},
		{"not RHEL at all: guard true", v2, firefox, &Facts{FileOwners: map[string][]Package{"/etc/redhat-release": {{Name: "centos-release", EVR: "0:9-1", Arch: "noarch"}}}}, True},
		{"firefox signed with another key", v2, firefox, rhelFacts("9", Package{"firefox", "0:91.8.0-1.el9_0", "x86_64", "0000000000000000"}), False},
		{"firefox signed with Red Hat's key 199e2f91fd431d51", v2, firefox, rhelFacts("9", Package{"firefox", "0:91.8.0-1.el9_0", "x86_64", "199e2f91fd431d51"}), True},
		{"tar installed (will not fix)", v2, tar, rhelFacts("9", Package{"tar", "2:1.34-3.el9", "x86_64", ""}), True},
		{"tar absent", v2, tar, rhelFacts("9"), False},
		{"zlib unaffected", v2, zlib, rhelFacts("9", Package{"zlib", "0:1.2.11-31.el9", "x86_64", ""}), False},
		{"nodejs:12 enabled, older", v1, nodejs, withFiles(rhelFacts("8", nodeOld), moduleFile("nodejs", "12")), True},
		{"nodejs:10 enabled instead", v1, nodejs, withFiles(rhelFacts("8", nodeOld), moduleFile("nodejs", "10")), False},
		{"no module file, files known", v1, nodejs, withFiles(rhelFacts("8", nodeOld), map[string]string{}), False},
		{"module state unknown", v1, nodejs, rhelFacts("8", nodeOld), Unknown},
		// The uname state's pattern ends with (4\.18\.0-80\.1\.[0-1]\.): a
		// running 4.18.0-80.1.1 (a constructed release string, to hit the
		// pattern) is older.
		{"kernel older and running 4.18.0-80.1.1", v1, kernel, withKernel(rhelFacts("8", kernelOld), "4.18.0-80.1.1.el8_0.x86_64"), True},
		// Red Hat's pattern misses the GA kernel 4.18.0-80.el8 itself
		// ("80." is in neither [0-9]|[1-6][0-9]|7[0-9] nor 80\.0\.
		// nor 80\.1\.[0-1]\.): running false, next boot unknown.
		{"kernel older and running 4.18.0-80.el8 (pattern gap)", v1, kernel, withKernel(rhelFacts("8", kernelOld), "4.18.0-80.el8.x86_64"), Unknown},
		// Running 80.1.2 (fixed) is false, the next-boot test reads a
		// variable: OR(false, unknown) is unknown, and so is the AND.
		{"kernel older installed, fixed one running", v1, kernel, withKernel(rhelFacts("8", kernelOld), "4.18.0-80.1.2.el8_0.x86_64"), Unknown},
		{"kernel == fixed", v1, kernel, withKernel(rhelFacts("8", Package{"kernel", "0:4.18.0-80.1.2.el8_0", "x86_64", ""}), "4.18.0-80.el8.x86_64"), False},
		// CentOS 7 inventory (vuls-centos7): vim-minimal 2:7.4.629-6.el7 is newer than 2:7.4.160-6.el7_6.
		{"vim-minimal 7.4.629 on RHEL 7", v1, vim, rhelFacts("7", Package{"vim-minimal", "2:7.4.629-6.el7", "x86_64", ""}), False},
		{"vim-minimal 7.4.160-1 on RHEL 7", v1, vim, rhelFacts("7", Package{"vim-minimal", "2:7.4.160-1.el7", "x86_64", ""}), True},
		{"vim-minimal 8.0.1763-7 on RHEL 8", v1, vim, rhelFacts("8", Package{"vim-minimal", "2:8.0.1763-7.el8", "x86_64", ""}), True},
		{"RHEL 7 vim version on RHEL 8", v1, vim, rhelFacts("8", Package{"vim-minimal", "2:7.4.160-1.el7", "x86_64", ""}), True},
		{"no file owner facts", v1, vim, &Facts{Packages: []Package{{"vim-minimal", "2:7.4.160-1.el7", "x86_64", ""}}, AssumeVendorSigned: true}, Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := tc.defs[tc.def]
			if !ok {
				t.Fatalf("no definition %s", tc.def)
			}
			if got := Eval(d.Criteria, tc.f); got != tc.want {
				t.Errorf("Eval = %v, want %v", got, tc.want)
			}
		})
	}
}

func withFiles(f *Facts, files map[string]string) *Facts {
	f.Files, f.FilesComplete = files, true
	return f
}

func withKernel(f *Facts, k string) *Facts { f.KernelRelease = k; return f }

func TestCombine(t *testing.T) {
	T, F, U := True, False, Unknown
	for _, tc := range []struct {
		op   Operator
		in   []Result
		want Result
	}{
		{OpAND, []Result{T, T}, T}, {OpAND, []Result{T, F}, F}, {OpAND, []Result{U, F}, F}, {OpAND, []Result{T, U}, U},
		{OpOR, []Result{F, F}, F}, {OpOR, []Result{F, T}, T}, {OpOR, []Result{U, T}, T}, {OpOR, []Result{U, F}, U},
		{OpONE, []Result{T, F}, T}, {OpONE, []Result{T, T}, F}, {OpONE, []Result{F, F}, F}, {OpONE, []Result{T, U}, U}, {OpONE, []Result{T, T, U}, F},
		{OpXOR, []Result{T, T}, F}, {OpXOR, []Result{T, F, F}, T}, {OpXOR, []Result{T, T, T}, T}, {OpXOR, []Result{T, U}, U},
		{"", []Result{T, T}, T}, {OpAND, nil, U},
	} {
		if got := combine(tc.op, tc.in); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.op, tc.in, got, tc.want)
		}
	}
}

// TestEvalNegate builds trees around one real test (firefox is earlier
// than 0:91.9.1-1.el9_0) to check negation on criteria and criterion.
func TestEvalNegate(t *testing.T) {
	v2, _, _ := parseAll(t, readExcerpt(t, "rhel-9-including-unpatched.oval.excerpt.xml.bz2"), 0)
	var ff *Test
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.Test != nil && n.Test.ID == "oval:com.redhat.rhsa:tst:20224765001" {
			ff = n.Test
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(v2["oval:com.redhat.rhsa:def:20224765"].Criteria)
	if ff == nil || ff.Kind != KindPackageBefore {
		t.Fatalf("firefox test not found or not package-before: %+v", ff)
	}
	old := rhelFacts("9", Package{"firefox", "0:91.8.0-1.el9_0", "x86_64", ""})
	leaf := func(neg bool) *Node { return &Node{TestRef: ff.ID, Test: ff, Negate: neg} }
	for _, tc := range []struct {
		name string
		n    *Node
		want Result
	}{
		{"criterion", leaf(false), True},
		{"negated criterion", leaf(true), False},
		{"negated criteria", &Node{Operator: OpAND, Negate: true, Children: []*Node{leaf(false)}}, False},
		{"negated OR of negated", &Node{Operator: OpOR, Negate: true, Children: []*Node{leaf(true), leaf(true)}}, True},
		{"missing test", &Node{TestRef: "oval:x:tst:1"}, Unknown},
		{"negated missing test", &Node{TestRef: "oval:x:tst:1", Negate: true}, Unknown},
		{"extend_definition without resolver", &Node{DefinitionRef: "oval:x:def:1"}, Unknown},
	} {
		if got := Eval(tc.n, old); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

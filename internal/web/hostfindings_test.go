package web

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
)

// findingRowsTemplate is the host page's findings rows as the template
// wrote them before findingRows: the reference its output must equal.
const findingRowsTemplate = `{{range .}}{{$g := .}}<tr>
  <td>{{.Package}}{{if and .Source (ne .Source .Package)}} <span class="muted">({{.Source}}{{if eq .Basis "binary-name"}}?{{end}})</span>{{end}}</td>
  <td>{{.Version}}</td>
  <td>{{if .Fixed}}{{.Fixed}}{{else}}<span class="muted">no fix yet</span>{{end}}</td>
  <td class="sev-{{sevClass .Severity}}">{{if .Severity}}{{.Severity}}{{else}}unknown{{end}}</td>
  <td class="advisories">{{range $i, $a := .Advisories}}{{if $i}} {{end}}<a href="/advisories/{{pathEscape $a}}">{{$a}}</a>{{if lt $i (len $g.VendorLinks)}}{{with index $g.VendorLinks $i}}<a class="ext" href="{{.}}" rel="external noopener" title="the vendor's page">↗</a>{{end}}{{end}}{{end}}</td>
  <td class="cves">{{range .Findings}}<a href="/{{if eq .CVE .AdvisoryID}}advisories{{else}}cves{{end}}/{{pathEscape .CVE}}" class="cve sev-{{sevClass .Severity}}" title="{{.Status}}{{if .FixedVersion}}, fixed in {{.FixedVersion}}{{end}}{{if .AdvisoryID}} ({{.AdvisoryID}}){{end}}; {{.Severity}}; {{.Origin}}{{if not .FirstSeen.IsZero}}; first seen {{time .FirstSeen}}{{end}}">{{.CVE}}</a>{{if not .FixedVersion}}<span class="status">{{.VendorStatus}}</span>{{else if eq .Status "unfixed"}}<span class="status">{{.Basis}}</span>{{end}}{{if eq .Status "reboot-pending"}}<span class="status">reboot pending</span>{{end}}{{range .Tags}}<span class="tag">{{.}}</span>{{end}} {{end}}</td>
</tr>{{end}}`

func TestFindingRowsAsTemplate(t *testing.T) {
	ref := template.Must(template.New("rows").Funcs(funcs).Parse(findingRowsTemplate))
	hostile := `<script>alert("x&y'+z")</script>` + "\x00"
	// DSA-5343-1 openssl {CVE-2023-0286 ...} [bullseye] - openssl 1.1.1n-0+deb11u4
	openssl := model.Finding{CVE: "CVE-2023-0286", Package: "libssl1.1", Version: "1.1.1n-0+deb11u3", Arch: "amd64",
		SourcePackage: "openssl", SourceVersion: "1.1.1n-0+deb11u3", Basis: "report", FixedVersion: "1.1.1n-0+deb11u4",
		Status: "open", VendorStatus: model.StatusFixed, Severity: "high", AdvisoryID: "DSA-5343-1", Origin: "debian-tracker",
		Tags: []string{"EGI-Critical", "EGI-High"}, FirstSeen: time.Date(2023, 2, 8, 10, 0, 0, 0, time.UTC)}
	// The same advisory's other CVE of the same package: the advisory is listed once.
	openssl2 := openssl
	openssl2.CVE, openssl2.Tags = "CVE-2023-0215", nil
	tests := []struct {
		name string
		fs   []model.Finding
	}{
		{"none", nil},
		{"open with a fix", []model.Finding{openssl}},
		{"two CVEs of one advisory", []model.Finding{openssl, openssl2}},
		{"no fix, binary-name source, reboot pending, advisory only", []model.Finding{
			{CVE: "CVE-2024-1", Package: "linux-image-amd64", Version: "6.1.0", SourcePackage: "linux", Basis: "binary-name",
				Status: "unfixed", VendorStatus: model.StatusAffected, Severity: "not yet assigned"},
			{CVE: "CVE-2024-2", Package: "linux-image-amd64", Version: "6.1.0", SourcePackage: "linux", Basis: "binary-name",
				FixedVersion: "6.1.2", Status: "reboot-pending", Severity: "Critical"},
			{CVE: "ALSA-2024:1", Package: "linux-image-amd64", Version: "6.1.0", SourcePackage: "linux", Basis: "learned",
				FixedVersion: "6.1.3", Status: "unfixed", AdvisoryID: "ALSA-2024:1", Severity: ""},
		}},
		{"same source as package", []model.Finding{{CVE: "CVE-2023-1", Package: "bash", Version: "5.1", SourcePackage: "bash",
			Status: "open", FixedVersion: "5.2"}}},
		{"hostile everywhere", []model.Finding{{CVE: hostile + "/a b?c;d", Package: hostile, Version: hostile + "1+2",
			SourcePackage: "s" + hostile, Basis: hostile, FixedVersion: hostile, Status: hostile, VendorStatus: model.Status(hostile),
			Severity: hostile, AdvisoryID: hostile, Origin: hostile, Tags: []string{hostile}},
			{CVE: hostile, Package: hostile, Version: hostile + "1+2", AdvisoryID: hostile, Status: "unfixed", FixedVersion: "1&2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups := withVendorLinks(groupFindings(tt.fs), "debian:11")
			var want strings.Builder
			if err := ref.Execute(&want, groups); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), string(findingRows(groups, nil))); diff != "" {
				t.Errorf("findingRows differs from the template (-template +findingRows):\n%s", diff)
			}
		})
	}
}

// TestFindingRowsShowTagsAdvisoryFirstSeen: the host page's findings say
// each CVE's tags, the package's advisories (each once) and when each
// finding was first seen (issue 13's host page). Data: DSA-5343-1
// "[bullseye] - openssl 1.1.1n-0+deb11u4" {CVE-2023-0215 CVE-2023-0286 ...}.
func TestFindingRowsShowTagsAdvisoryFirstSeen(t *testing.T) {
	f := model.Finding{CVE: "CVE-2023-0286", Package: "openssl", Version: "1.1.1n-0+deb11u3", SourcePackage: "openssl",
		FixedVersion: "1.1.1n-0+deb11u4", Status: "open", AdvisoryID: "DSA-5343-1", Tags: []string{"EGI-Critical"},
		FirstSeen: time.Date(2023, 2, 8, 10, 0, 0, 0, time.UTC)}
	g := f
	g.CVE, g.Tags = "CVE-2023-0215", nil
	got := string(findingRows(withVendorLinks(groupFindings([]model.Finding{f, g}), "debian:11"), nil))
	for _, want := range []string{`<td class="advisories"><a href="/advisories/DSA-5343-1">DSA-5343-1</a>` +
		`<a class="ext" href="https://security-tracker.debian.org/tracker/DSA-5343-1" rel="external noopener" title="the vendor's page">↗</a></td>`,
		`>CVE-2023-0286</a><span class="tag">EGI-Critical</span>`, "; first seen 2023-02-08 10:00 UTC\">CVE-2023-0286</a>"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

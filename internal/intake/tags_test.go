package intake_test

// The /feed/ answer of store-and-report and report-only lists, as Pakiti 3
// did for the Perl client, only the CVEs carrying an enabled CVE tag, one
// line per tag, and never a finding an exception covers; cves=all (our
// client) lists every finding. Real records (testdata/DSA-list.bullseye-3.txt)
// through the real matcher.

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

func line(pkg, version, cve, tag string) string {
	return strings.Join([]string{pkg, version, "amd64", cve, tag}, "\t")
}

func TestTaggedAnswers(t *testing.T) {
	// The pipeline's clock: 2026-11-25 10:00 UTC.
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	report := kernelReport("k20.example.org", "5.10.0-20-amd64")
	// The host's findings (see TestPipelineAnswers): libssl1.1
	// 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u4 for DSA-5343-1's 5 CVEs,
	// libgnutls30 3.7.1-5+deb11u2 < 3.7.1-5+deb11u3 for CVE-2023-0361
	// (DSA-5349-1), the running image 5.10.158-2 < 5.10.162-1 for
	// DSA-5324-1's 13 CVEs. The tag decisions and exceptions are ours,
	// constructed for the test.
	tags := []store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true},
		{CVE: "CVE-2023-0286", Tag: "EGI-High", Enabled: true},
		{CVE: "CVE-2023-0266", Tag: "EGI-Critical", Enabled: true},
		{CVE: "CVE-2023-0361", Tag: "EGI-High", Enabled: false},
	}
	kernelException := func(expires *time.Time) store.Exception {
		return store.Exception{CVE: "CVE-2023-0266", Package: "linux-image-5.10.0-20-amd64", ScopeKind: store.ScopeHost,
			Scope: "k20.example.org", Reason: "module blacklisted", Author: "alice", CreatedAt: at.Add(-time.Hour), ExpiresAt: expires}
	}
	ssl := func(cve, tag string) string { return line("libssl1.1", "1.1.1n-0+deb11u3", cve, tag) }
	img := func(cve, tag string) string { return line("linux-image-5.10.0-20-amd64", "5.10.158-2", cve, tag) }
	var all []string // cves=all with the kernel's CVE-2023-0266 excepted
	for _, c := range dsa5343 {
		if c != "CVE-2023-0286" {
			all = append(all, ssl(c, ""))
		}
	}
	all = append(all, ssl("CVE-2023-0286", "EGI-Critical"), ssl("CVE-2023-0286", "EGI-High"),
		line("libgnutls30", "3.7.1-5+deb11u2", "CVE-2023-0361", "")) // its only tag is disabled
	for _, c := range dsa5324 {
		if c != "CVE-2023-0266" {
			all = append(all, img(c, ""))
		}
	}
	cases := []struct {
		name       string
		tags       bool
		exceptions []store.Exception
		query      string
		want       []string
	}{
		{"no tags: nothing to answer", false, nil, "", nil},
		{"tagged only, one line per tag, the excepted kernel CVE left out", true,
			[]store.Exception{kernelException(nil)}, "",
			[]string{ssl("CVE-2023-0286", "EGI-Critical"), ssl("CVE-2023-0286", "EGI-High")}},
		{"cves=tagged is the default", true, []store.Exception{kernelException(nil)}, "&cves=tagged",
			[]string{ssl("CVE-2023-0286", "EGI-Critical"), ssl("CVE-2023-0286", "EGI-High")}},
		{"an exception that expired at this instant applies no more", true,
			[]store.Exception{kernelException(&at)}, "",
			[]string{ssl("CVE-2023-0286", "EGI-Critical"), ssl("CVE-2023-0286", "EGI-High"), img("CVE-2023-0266", "EGI-Critical")}},
		{"an exception of another host does not apply", true,
			[]store.Exception{func() store.Exception { e := kernelException(nil); e.Scope = "k19.example.org"; return e }()}, "",
			[]string{ssl("CVE-2023-0286", "EGI-Critical"), ssl("CVE-2023-0286", "EGI-High"), img("CVE-2023-0266", "EGI-Critical")}},
		{"an exception of the report's site applies", true,
			[]store.Exception{func() store.Exception {
				e := kernelException(nil)
				e.ScopeKind, e.Scope = store.ScopeSite, "PIPELINE"
				return e
			}()}, "",
			[]string{ssl("CVE-2023-0286", "EGI-Critical"), ssl("CVE-2023-0286", "EGI-High")}},
		{"cves=all: every finding, tagged ones once per tag", true, []store.Exception{kernelException(nil)}, "&cves=all", all},
	}
	for _, c := range cases {
		for _, mode := range []string{"store-and-report", "report-only"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				p := newPipeline(t)
				ctx := context.Background()
				if c.tags {
					if _, err := p.s.ImportTags(ctx, tags, false); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := p.s.ImportExceptions(ctx, c.exceptions, false); err != nil {
					t.Fatal(err)
				}
				want := append([]string(nil), c.want...)
				sort.Strings(want)
				if diff := cmp.Diff(want, answerLines(t, p.post("?protocol=6&mode="+mode+c.query, report))); diff != "" {
					t.Errorf("answer (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestCVEsParam(t *testing.T) {
	p := newPipeline(t)
	rec := p.post("?protocol=6&mode=store-and-report&cves=some", kernelReport("k20.example.org", "5.10.0-20-amd64"))
	if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Body.String(), `ERROR: unknown cves="some": use tagged or all`) {
		t.Errorf("cves=some: %d %q, want 400 naming tagged and all", rec.Code, rec.Body.String())
	}
}

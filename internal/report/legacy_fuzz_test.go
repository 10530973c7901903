package report_test

import (
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/report/legacytest"
)

// checkAccepted holds for every report a legacy decoder accepts: a host,
// packages sorted and unique with a name and a version, and a protocol-5
// rendering that parses back to the same packages and host.
func checkAccepted(t *testing.T, r *report.Report, lim report.Limits) {
	t.Helper()
	if r.Header.Hostname() == "" {
		t.Fatal("accepted without a host")
	}
	if len(r.Packages) > lim.MaxPackages {
		t.Fatalf("%d packages, limit %d", len(r.Packages), lim.MaxPackages)
	}
	for i, p := range r.Packages {
		if p.Name == "" || p.Version == "" {
			t.Fatalf("package %d without name or version: %+v", i, p)
		}
	}
	sorted := report.SortPackages(append([]model.Package(nil), r.Packages...))
	if diff := cmp.Diff(r.Packages, sorted); diff != "" && len(r.Packages) > 0 {
		t.Fatalf("packages not sorted or not unique:\n%s", diff)
	}
	wide := lim
	wide.MaxLine = 4 * lim.MaxField
	again, err := report.Parse(report.Format(r, report.Protocol5), report.Protocol5, wide)
	if err != nil {
		t.Fatalf("the protocol-5 form does not parse: %v\n%q", err, report.Format(r, report.Protocol5))
	}
	if again.Header.Hostname() != r.Header.Hostname() {
		t.Fatalf("host %q became %q", r.Header.Hostname(), again.Header.Hostname())
	}
	if diff := cmp.Diff(r.Packages, again.Packages); diff != "" {
		t.Fatalf("protocol 5 round trip changed the packages:\n%s", diff)
	}
}

// FuzzParse4 feeds hostile form bodies to the protocol-4 decoder. Seeds:
// real reports in testdata/ as each Pakiti 2 transport sends them, plus
// testdata/fuzz/FuzzParse4.
func FuzzParse4(f *testing.F) {
	for _, file := range []string{"testdata/viking-db.pakiti5.txt", "testdata/vuls-alma9.pakiti5.txt"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, how := range legacytest.Transports {
			body, ctype, q := legacytest.ToProtocol4(f, raw, how)
			if len(body) > 4096 {
				body = body[:4096]
			}
			f.Add(body, ctype, q.Encode())
		}
	}
	lim := report.DefaultLimits
	lim.MaxPackages = 1000
	f.Fuzz(func(t *testing.T, body []byte, ctype, query string) {
		q, _ := url.ParseQuery(query)
		r, err := report.Parse4(body, ctype, q, lim)
		if err != nil {
			if _, ok := err.(*report.Error); !ok {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		checkAccepted(t, r, lim)
	})
}

// FuzzParseGLPI feeds hostile bodies to the GLPI decoder, plain and zlib.
// Seeds: testdata/glpi-debian11.json (cut), plus testdata/fuzz/FuzzParseGLPI.
func FuzzParseGLPI(f *testing.F) {
	raw, err := os.ReadFile("testdata/glpi-debian11.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw[:2048])
	f.Add(zlibBytes(f, raw))
	lim := report.DefaultLimits
	lim.MaxPackages = 1000
	lim.MaxBytes = 1 << 20
	f.Fuzz(func(t *testing.T, body []byte) {
		g, err := report.ParseGLPI(body, lim)
		if err != nil {
			var re *report.Error
			var se *report.SizeError
			if !errors.As(err, &re) && !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is neither an *Error nor a *SizeError", err, err)
			}
			return
		}
		if g.Report != nil {
			checkAccepted(t, g.Report, lim)
		}
	})
}

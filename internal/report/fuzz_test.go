package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds hostile bytes to the report parser. Whatever it accepts
// must format and parse back to the same report, in both protocols.
// Seeds: the real reports in testdata/ plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.pakiti5.txt")
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(raw) > 4096 {
			raw = raw[:4096]
		}
		f.Add(raw, true)
	}
	f.Add([]byte("#\nhost: h\nos-id: debian\n#\nbash\t5.2-1+b1\tamd64\tbash\t5.2-1\n#\n"), false)
	// The pro: header (Ubuntu Pro services, protocol 6).
	f.Add([]byte("#\nhost: h\nos-id: ubuntu\npro: esm-infra esm-apps\n#\nbash\t5.1-6ubuntu1\tamd64\tbash\t5.1-6ubuntu1\n#\n"), false)
	f.Add([]byte("#\nhost: h\nos-id: ubuntu\npro: none\n#\n#\n"), false)
	if raw, err := os.ReadFile("testdata/alma8-modules.pakiti6.txt"); err == nil {
		f.Add(raw, false)
	} else {
		f.Fatal(err)
	}
	lim := DefaultLimits
	lim.MaxPackages = 1000
	f.Fuzz(func(t *testing.T, body []byte, p5 bool) {
		proto := Protocol6
		if p5 {
			proto = Protocol5
		}
		r, err := Parse(body, proto, lim)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if peek := PeekHostname(body, lim); peek != r.Header.Hostname() {
			t.Fatalf("PeekHostname = %q, Parse found %q", peek, r.Header.Hostname())
		}
		if head, _, ok := SplitPackages(body); ok {
			hr, err := Parse(head, proto, lim)
			if err != nil {
				t.Fatalf("the head of an accepted report fails: %v", err)
			}
			if diff := cmp.Diff(r.Header, hr.Header); diff != "" {
				t.Fatalf("the head's header differs (-whole +head):\n%s", diff)
			}
		}
		again, err := Parse(Format(r, proto), proto, lim)
		if err != nil {
			t.Fatalf("formatted report does not parse: %v\n%q", err, Format(r, proto))
		}
		// Format writes only the keys it knows, and only the protocol's own.
		r.Header.Extra = nil
		if proto == Protocol5 {
			r.Header.OSID, r.Header.OSVersionID, r.Header.RebootRequired, r.Header.Modules, r.Header.Pro = "", "", "", "", ""
		}
		if diff := cmp.Diff(r, again); diff != "" {
			t.Fatalf("round trip changed the report (-first +second):\n%s", diff)
		}
	})
}

// BenchmarkParse parses a real 787-package Debian report.
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("testdata/ci-debian12.pakiti5.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		r, err := Parse(raw, Protocol5, DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		PackageSetHash(r.Packages)
	}
}

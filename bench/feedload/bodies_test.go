package main

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/report"
)

// inventory is a real report (testdata/PROVENANCE.tsv).
const inventory = "testdata/ci-debian12.pakiti5.txt"

func TestBodiesAreBuildsBytes(t *testing.T) {
	base, err := basePackages(inventory, 900) // 787 real packages, 113 "-extra0" ones
	if err != nil {
		t.Fatal(err)
	}
	hd := header{System: "Debian GNU/Linux 12", Site: "BENCH"}
	b, err := newBodies(base, hd)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host string
		vary int
	}{
		{"ks1.example.org", -1},
		{"ns1.example.org", 0},           // first package line
		{"ns2.example.org", 899},         // last package line
		{"ns3.example.org", 900 + 17},    // wraps around to line 17
		{"a-much-longer-host.name", 450}, // an "-extra0" package
	} {
		got, want := b.body(tc.host, tc.vary), build(tc.host, base, tc.vary, hd)
		if !bytes.Equal(got, want) {
			t.Errorf("body(%s, %d) differs from build:\n%s", tc.host, tc.vary, cmp.Diff(string(want), string(got)))
		}
		// The identity -acked records is the one the server computes from
		// the bytes it receives.
		r, err := report.Parse(got, report.Protocol5, report.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		n, hash := setIdentity(base, tc.vary)
		if n != len(r.Packages) || hash != report.PackageSetHash(r.Packages) || r.Header.Hostname() != tc.host {
			t.Errorf("vary %d: identity %d %s, the parsed report has %d %s (host %s)", tc.vary, n, hash,
				len(r.Packages), report.PackageSetHash(r.Packages), r.Header.Hostname())
		}
	}
	if _, h1 := setIdentity(base, 1); h1 == func() string { _, h := setIdentity(base, 901); return h }() {
		t.Error("vary 1 and 901 change the same package but must give different sets")
	}
}

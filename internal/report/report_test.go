package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestRoundTripRealReports parses real reports made the Perl client's way
// and checks that formatting them again gives the same bytes.
func TestRoundTripRealReports(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.pakiti5.txt")
	if len(files) == 0 {
		t.Fatal("no testdata reports")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(raw, Protocol5, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			wantPkgs := strings.Count(string(raw), "\n") - strings.Count(string(raw), "#\n") - headerLineCount(raw)
			if len(r.Packages) != wantPkgs {
				t.Errorf("parsed %d packages, the file has %d package lines", len(r.Packages), wantPkgs)
			}
			if diff := cmp.Diff(string(raw), string(Format(r, Protocol5))); diff != "" {
				t.Errorf("Format(Parse(x)) != x (-file +formatted):\n%s", diff)
			}
		})
	}
}

func headerLineCount(raw []byte) int {
	parts := bytes.SplitN(raw, []byte("#\n"), 3)
	return bytes.Count(parts[1], []byte("\n"))
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		proto   int
		want    *Report
		wantErr string
	}{
		{
			name:  "several host names, spaces, CRLF, unknown key",
			in:    "#\r\nhost: a.example.org b.example.org\r\nsite: S1\r\nfuture: x\r\n#\r\nbash 5.2.15-2+b2  amd64\r\n#\r\n",
			proto: Protocol5,
			want: &Report{
				Header:   Header{Host: "a.example.org b.example.org", Site: "S1", Extra: map[string]string{"future": "x"}},
				Packages: []model.Package{{Name: "bash", Version: "5.2.15-2+b2", Arch: "amd64"}},
			},
		},
		{
			name:  "protocol 6 source columns, duplicates dropped, sorted",
			in:    "#\nhost: h\nos-id: debian\nos-version-id: 12\n#\nlibc6\t2.36-9+deb12u9\tamd64\tglibc\t2.36-9+deb12u9\nbash\t5.2.15-2+b2\tamd64\tbash\t5.2.15-2\nbash\t5.2.15-2+b2\tamd64\tbash\t5.2.15-2\n#\n",
			proto: Protocol6,
			want: &Report{
				Header: Header{Host: "h", OSID: "debian", OSVersionID: "12"},
				Packages: []model.Package{
					{Name: "bash", Version: "5.2.15-2+b2", Arch: "amd64", SourceName: "bash", SourceVersion: "5.2.15-2"},
					{Name: "libc6", Version: "2.36-9+deb12u9", Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36-9+deb12u9"},
				},
			},
		},
		{name: "no packages is fine", in: "#\nhost: h\n", proto: Protocol5, want: &Report{Header: Header{Host: "h"}}},
		{name: "empty", in: "", proto: Protocol5, wantErr: "empty report"},
		{name: "no leading #", in: "host: h\n#\n", proto: Protocol5, wantErr: "line 1: a report starts"},
		{name: "no host", in: "#\nsite: s\n#\na\t1\tx\n", proto: Protocol5, wantErr: "no host"},
		{name: "five columns in protocol 5", in: "#\nhost: h\n#\na\t1\tx\ts\t1\n", proto: Protocol5, wantErr: "line 4: package line has 5 fields, want 3"},
		{name: "two columns", in: "#\nhost: h\n#\na\t1\n", proto: Protocol6, wantErr: "line 4: package line has 2 fields"},
		{name: "empty version", in: "#\nhost: h\n#\na\t\tx\n", proto: Protocol5, wantErr: "empty version"},
		{name: "control character", in: "#\nhost: h\x01\n", proto: Protocol5, wantErr: "control character"},
		{name: "header without colon", in: "#\nhost h\n", proto: Protocol5, wantErr: "not key: value"},
		{name: "binary", in: "\x30\x82\x05\xff", proto: Protocol5, wantErr: "not UTF-8"},
		{name: "protocol 4 is not text", in: "#\nhost: h\n", proto: 4, wantErr: "protocol 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in), tt.proto, DefaultLimits)
			if tt.wantErr != "" {
				var re *Error
				if err == nil || !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want an *Error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxBytes: 200, MaxPackages: 2, MaxLine: 40, MaxField: 10, MaxHeaderLines: 2}
	tests := []struct{ name, in, wantErr string }{
		{"bytes", "#\nhost: h\n" + strings.Repeat("#\n", 100), "more than the limit of 200"},
		{"packages", "#\nhost: h\n#\na\t1\tx\nb\t1\tx\nc\t1\tx\n", "line 6: more than 2 packages"},
		{"line", "#\nhost: h\n#\n" + strings.Repeat("a", 41) + "\n", "line 4: line is 41 bytes"},
		{"field", "#\nhost: h\n#\nabcdefghijk\t1\tx\n", "package field 1 is 11 bytes"},
		{"header lines", "#\nhost: h\na: 1\nb: 2\n", "line 4: more than 2 header lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), Protocol5, lim)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestSortMatchesLineOrder(t *testing.T) {
	// '\t' < '+' < '-' < '.': the line order decides, not the name order.
	pkgs := []model.Package{{Name: "lib-x", Version: "1", Arch: "a"}, {Name: "lib", Version: "2", Arch: "a"}, {Name: "lib+", Version: "1", Arch: "a"}}
	got := SortPackages(pkgs)
	want := []string{"lib", "lib+", "lib-x"}
	for i, p := range got {
		if p.Name != want[i] {
			t.Fatalf("order = %v, want %v", got, want)
		}
	}
}

func TestSetSite(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"rewrite", "#\nhost: h\nsite: OLD\nsystem: X\n#\na\t1\tx\n#\n", "#\nhost: h\nsite: NEW\nsystem: X\n#\na\t1\tx\n#\n"},
		{"insert sorted", "#\narch: x\nhost: h\nsystem: X\n#\na\t1\tx\n#\n", "#\narch: x\nhost: h\nsite: NEW\nsystem: X\n#\na\t1\tx\n#\n"},
		{"insert last", "#\nhost: h\n#\na\t1\tx\n#\n", "#\nhost: h\nsite: NEW\n#\na\t1\tx\n#\n"},
		{"header only, no newline", "#\nhost: h", "#\nhost: h\nsite: NEW\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetSite([]byte(tt.in), "NEW")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := SetSite([]byte("garbage"), "S"); err == nil {
		t.Error("SetSite accepted a non-report")
	}
}

func TestHashes(t *testing.T) {
	a := Header{Host: "h", Site: "s", TS: "1"}
	b := Header{Host: "h", Site: "s", TS: "2"}
	if a.HeaderHash() != b.HeaderHash() {
		t.Error("ts changes the header hash")
	}
	b.Site = "t"
	if a.HeaderHash() == b.HeaderHash() {
		t.Error("site does not change the header hash")
	}
	p := []model.Package{{Name: "a", Version: "1", Arch: "x"}}
	q := []model.Package{{Name: "a", Version: "1", Arch: "x", SourceName: "a"}}
	if PackageSetHash(p) == PackageSetHash(q) {
		t.Error("source column does not change the set hash")
	}
}

func TestPeekHostname(t *testing.T) {
	tests := []struct{ in, want string }{
		{"#\narch: x\nhost: a.example.org b\n#\npkg\t1\tx\n#\n", "a.example.org"},
		{"#\r\nHost : c.example.org\r\n", "c.example.org"},
		{"#\narch: x\n#\nhost: inpackages\t1\tx\n", ""},
		{"host: nohash\n", ""},
		{"#\nhost: bad/name\n", ""},
		{"#\nhost: first\nhost: last\n#\n", "last"},
		{"#\nhost: one\n", "one"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PeekHostname([]byte(tt.in), DefaultLimits); got != tt.want {
			t.Errorf("PeekHostname(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Whatever Peek finds, Parse agrees with.
		if r, err := Parse([]byte(tt.in), Protocol5, DefaultLimits); err == nil && r.Header.Hostname() != tt.want {
			t.Errorf("Parse finds host %q, Peek %q", r.Header.Hostname(), tt.want)
		}
	}
}

func TestSplitPackages(t *testing.T) {
	raw, err := os.ReadFile("testdata/ci-debian12.pakiti5.txt")
	if err != nil {
		t.Fatal(err)
	}
	head, pkgs, ok := SplitPackages(raw)
	if !ok || string(head)+string(pkgs) != string(raw) {
		t.Fatal("split lost bytes")
	}
	whole, _ := Parse(raw, Protocol5, DefaultLimits)
	hd, err := Parse(head, Protocol5, DefaultLimits)
	if err != nil || len(hd.Packages) != 0 {
		t.Fatalf("head parses to %v, %v", hd, err)
	}
	if diff := cmp.Diff(whole.Header, hd.Header); diff != "" {
		t.Errorf("header of the head differs (-whole +head):\n%s", diff)
	}
	if !strings.HasPrefix(string(pkgs), "adduser\t3.134\tall\n") {
		t.Errorf("package part starts %q", pkgs[:20])
	}
	for _, in := range []string{"host: h\n#\n", "#\nhost: h\n", ""} {
		if _, _, ok := SplitPackages([]byte(in)); ok {
			t.Errorf("SplitPackages(%q) ok", in)
		}
	}
}

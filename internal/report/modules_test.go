package report

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/*.pakiti6.txt")

// TestGoldenProtocol6 parses the protocol-6 reports of testdata (module
// columns and the modules: header) and compares the result with
// testdata/NAME.golden.json (go test -run Golden -update rewrites it);
// formatting the report again gives the same bytes.
func TestGoldenProtocol6(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.pakiti6.txt")
	if len(files) == 0 {
		t.Fatal("no protocol-6 testdata reports")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(raw, Protocol6, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".pakiti6.txt") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), string(got)); diff != "" {
				t.Errorf("parsed report differs from %s (-golden +parsed):\n%s", golden, diff)
			}
			if diff := cmp.Diff(string(raw), string(Format(r, Protocol6))); diff != "" {
				t.Errorf("Format(Parse(x)) != x (-file +formatted):\n%s", diff)
			}
		})
	}
}

// TestModuleColumn: the sixth column of a protocol-6 package line.
func TestModuleColumn(t *testing.T) {
	// perl-IO-Socket-SSL of inventory alma-8/vuls-alma8; the labels are
	// constructed (no inventory carries MODULARITYLABEL).
	const nvr = "perl-IO-Socket-SSL\t0:2.066-4.module_el8.6.0+2811+fe6c84b0\tnoarch"
	tests := []struct {
		name, line, wantErr string
		proto               int
		want                model.Package
	}{
		{name: "whole MODULARITYLABEL kept as name:stream", proto: Protocol6,
			line: nvr + "\tperl-IO-Socket-SSL\t0:2.066-4.module_el8.6.0+2811+fe6c84b0\tperl-IO-Socket-SSL:2.066:8060020211122102216:d5f2b4a1",
			want: model.Package{Name: "perl-IO-Socket-SSL", Version: "0:2.066-4.module_el8.6.0+2811+fe6c84b0", Arch: "noarch",
				SourceName: "perl-IO-Socket-SSL", SourceVersion: "0:2.066-4.module_el8.6.0+2811+fe6c84b0", Module: "perl-IO-Socket-SSL:2.066"}},
		{name: "module without source columns", proto: Protocol6, line: nvr + "\t\t\tperl-IO-Socket-SSL:2.066",
			want: model.Package{Name: "perl-IO-Socket-SSL", Version: "0:2.066-4.module_el8.6.0+2811+fe6c84b0", Arch: "noarch", Module: "perl-IO-Socket-SSL:2.066"}},
		{name: "empty module column", proto: Protocol6, line: nvr + "\tperl-IO-Socket-SSL\t0:2.066-4\t",
			want: model.Package{Name: "perl-IO-Socket-SSL", Version: "0:2.066-4.module_el8.6.0+2811+fe6c84b0", Arch: "noarch", SourceName: "perl-IO-Socket-SSL", SourceVersion: "0:2.066-4"}},
		{name: "module without stream", proto: Protocol6, line: nvr + "\ts\t1\tperl-IO-Socket-SSL", wantErr: "is not name:stream"},
		{name: "module with empty name", proto: Protocol6, line: nvr + "\ts\t1\t:2.066", wantErr: "is not name:stream"},
		{name: "seven columns", proto: Protocol6, line: nvr + "\ts\t1\ta:b\tx", wantErr: "more than 6"},
		{name: "module column in protocol 5", proto: Protocol5, line: nvr + "\ts\t1\ta:b", wantErr: "6 fields, want 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte("#\nhost: h\n#\n"+tt.line+"\n#\n"), tt.proto, DefaultLimits)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]model.Package{tt.want}, r.Packages); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestModulesHeader: the modules: header and what ParseModules reads in it.
func TestModulesHeader(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		known   bool
		wantErr bool
	}{
		{"", nil, false, false},
		{"none", nil, true, false},
		{"nodejs:12 perl:5.30", []string{"nodejs:12", "perl:5.30"}, true, false},
		{"nodejs:12:8010020191122:cdc1202b", nil, false, true}, // a label, not a stream
		{"nodejs", nil, false, true},
		{"none nodejs:12", nil, false, true},
	}
	for _, tt := range tests {
		got, known, err := ParseModules(tt.in)
		if (err != nil) != tt.wantErr || known != tt.known || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseModules(%q) = %q, %v, %v; want %q, %v, error %v", tt.in, got, known, err, tt.want, tt.known, tt.wantErr)
		}
		_, perr := Parse([]byte("#\nhost: h\nmodules: "+tt.in+"\n"), Protocol6, DefaultLimits)
		if (perr != nil) != tt.wantErr {
			t.Errorf("Parse with modules: %q: err = %v, want error %v", tt.in, perr, tt.wantErr)
		}
	}
	if got := FormatModules(nil); got != ModulesNone {
		t.Errorf("FormatModules(nil) = %q", got)
	}
	a := Header{Host: "h", Modules: "nodejs:12"}
	b := Header{Host: "h", Modules: "nodejs:14"}
	if a.HeaderHash() == b.HeaderHash() {
		t.Error("enabled module streams do not change the header hash")
	}
	p := []model.Package{{Name: "nodejs", Version: "1:12.14.1-1.module+el8.1.0+5466+30f75629", Arch: "x86_64", SourceName: "nodejs", SourceVersion: "1:12.14.1-1.module+el8.1.0+5466+30f75629"}}
	q := []model.Package{p[0]}
	q[0].Module = "nodejs:12"
	if PackageSetHash(p) == PackageSetHash(q) {
		t.Error("module column does not change the set hash")
	}
}

package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestProHeader: the pro: header, what ParsePro reads in it, and that it
// is part of the header's identity (a changed header is a changed report).
func TestProHeader(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		known   bool
		wantErr bool
	}{
		{"", nil, false, false},
		{"none", nil, true, false},
		{" none ", nil, true, false},
		{"esm-infra", []string{"esm-infra"}, true, false},
		{"esm-infra esm-apps fips-updates", []string{"esm-infra", "esm-apps", "fips-updates"}, true, false},
		{"none esm-infra", nil, false, true},
		{"ESM-Infra", nil, false, true},
		{"esm_infra", nil, false, true},
		{"esm-infra,esm-apps", nil, false, true},
	}
	for _, tt := range tests {
		got, known, err := ParsePro(tt.in)
		if (err != nil) != tt.wantErr || known != tt.known || !cmp.Equal(got, tt.want) {
			t.Errorf("ParsePro(%q) = %q, %v, %v; want %q, %v, error %v", tt.in, got, known, err, tt.want, tt.known, tt.wantErr)
		}
		r, perr := Parse([]byte("#\nhost: h\npro: "+tt.in+"\n"), Protocol6, DefaultLimits)
		if (perr != nil) != tt.wantErr {
			t.Errorf("Parse with pro: %q: err = %v, want error %v", tt.in, perr, tt.wantErr)
		}
		if perr == nil {
			if again, err := Parse(Format(r, Protocol6), Protocol6, DefaultLimits); err != nil || again.Header.Pro != r.Header.Pro {
				t.Errorf("pro: %q does not survive Format: %q, %v", tt.in, again.Header.Pro, err)
			}
		}
	}
	if got := FormatPro(nil); got != ProNone {
		t.Errorf("FormatPro(nil) = %q", got)
	}
	if got := FormatPro([]string{"esm-infra", "esm-apps"}); got != "esm-infra esm-apps" {
		t.Errorf("FormatPro = %q", got)
	}
	a := Header{Host: "h", Pro: "esm-infra"}
	b := Header{Host: "h", Pro: "none"}
	c := Header{Host: "h"}
	if a.HeaderHash() == b.HeaderHash() || b.HeaderHash() == c.HeaderHash() {
		t.Error("the pro: header does not change the header hash")
	}
}

package apt

import "testing"

func TestParseSourceField(t *testing.T) {
	for _, tc := range []struct {
		in, name, version string
		ok                bool
	}{
		// Source lines of the real bookworm Packages index.
		{"openssl", "openssl", "", true},                                            // libssl3
		{"bash (5.2.15-2)", "bash", "5.2.15-2", true},                               // bash 5.2.15-2+b13
		{"gcc-defaults (1.203)", "gcc-defaults", "1.203", true},                     // gcc 4:12.2.0-3
		{"linux-signed-amd64 (6.1.176+1)", "linux-signed-amd64", "6.1.176+1", true}, // linux-image-6.1.0-50-amd64
		{"acme (1:0.97~svn20211115+ds-1)", "acme", "1:0.97~svn20211115+ds-1", true}, // acme 1:0.97~svn20211115+ds-1+b1
		{"inetutils (2:2.4-2+deb12u3)", "inetutils", "2:2.4-2+deb12u3", true},       // bookworm-security
		{"aac-tactics (8.17.0-1)", "aac-tactics", "8.17.0-1", true},                 // libcoq-aac-tactics
		{"bash ( 5.2.15-2 )", "bash", "5.2.15-2", true},
		{"bash (5.2.15-2", "", "", false},
		{"bash 5.2.15-2", "", "", false},
		{"bash ()", "", "", false},
		{"", "", "", false},
	} {
		name, version, ok := parseSourceField(tc.in)
		if name != tc.name || version != tc.version || ok != tc.ok {
			t.Errorf("parseSourceField(%q) = %q, %q, %v; want %q, %q, %v", tc.in, name, version, ok, tc.name, tc.version, tc.ok)
		}
	}
}

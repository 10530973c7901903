package report

import (
	"strings"
	"testing"
)

func TestValidHostname(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		wantErr string // part of the error; "" for a valid name
	}{
		{"fqdn", "wn01.example.org", ""},
		{"short", "wn01", ""},
		{"punycode", "xn--bcher-kva.example", ""},
		{"IDN letters", "bücher.example", ""},
		{"CJK", "例え.jp", ""},
		{"253 bytes", strings.Repeat("a", 253), ""},
		{"dash and underscore", "_srv-1.example.org", ""},

		{"empty", "", "host name is empty"},
		{"254 bytes", strings.Repeat("a", 254), "254 bytes, more than the limit of 253"},
		{"not UTF-8", "bad\xff.example", "is not UTF-8"},
		{"dot", ".", `host name "." is not a name: it is a path step`},
		{"dot dot", "..", `host name ".." is not a name`},
		{"slash", "a/b", "holds one of / \\ ? # %"},
		{"backslash", `a\b`, "holds one of"},
		{"question mark", "a?b", "holds one of"},
		{"hash", "a#b", "holds one of"},
		{"percent", "a%2e", "holds one of"},
		{"tab", "a\tb", "U+0009, a control character"},
		{"space", "a b", "U+0020, a space"},
		{"DEL", "a\x7fb", "U+007F, a control character"},
		{"NEL", "a\u0085b", "U+0085, a space or separator"},
		{"C1 control", "a\u0090b", "U+0090, a control character"},
		{"no-break space", "a\u00a0b", "U+00A0, a space or separator"},
		{"ideographic space", "a\u3000b", "U+3000, a space or separator"},
		{"line separator", "a\u2028b", "U+2028, a space or separator"},
		{"right-to-left override", "evil\u202egro.elpmaxe", "U+202E, a bidirectional text control"},
		{"left-to-right mark", "a\u200eb", "U+200E, a bidirectional text control"},
		{"arabic letter mark", "a\u061cb", "U+061C, a bidirectional text control"},
		{"first strong isolate", "a\u2068b\u2069", "U+2068, a bidirectional text control"},
		{"zero-width space", "admin\u200b.example.org", "U+200B, an invisible format character"},
		{"zero-width joiner", "a\u200db", "U+200D, an invisible format character"},
		{"zero-width non-joiner", "a\u200cb", "U+200C, an invisible format character"},
		{"word joiner", "a\u2060b", "U+2060, an invisible format character"},
		{"byte order mark", "\ufeffhost.example.org", "U+FEFF, an invisible format character"},
		{"soft hyphen", "ad\u00admin", "U+00AD, an invisible format character"},
		{"tag character", "a\U000e0041b", "U+E0041, an invisible format character"},
		{"Hangul filler", "host\u3164", "U+3164, an invisible character"},
		{"halfwidth Hangul filler", "host\uffa0", "U+FFA0, an invisible character"},
		{"combining grapheme joiner", "a\u034fb", "U+034F, an invisible character"},
		{"variation selector", "a\ufe0fb", "U+FE0F, an invisible character"},
		{"braille blank", "a\u2800b", "U+2800, an invisible character"},
		{"private use", "a\ue000b", "U+E000, a private-use character"},
		{"unassigned", "a\u0378b", "U+0378, an unassigned character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidHostname(tt.host)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidHostname(%+q) = %v, want valid", tt.host, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("ValidHostname(%+q) = %v, want an error with %q", tt.host, err, tt.wantErr)
			}
			if err != nil && strings.ContainsFunc(err.Error(), func(r rune) bool { return invisible(r) != "" && r != ' ' }) {
				t.Errorf("the error %+q itself holds an invisible character", err.Error())
			}
		})
	}
}

// TestParseRefusesBadHostnames: the rule applies to the first name of
// the host header, the identity; later names are kept as sent.
func TestParseRefusesBadHostnames(t *testing.T) {
	for _, tt := range []struct {
		host    string
		wantErr string
	}{
		{"..", `line 2: host name ".." is not a name`},
		{"evil\u202egro.elpmaxe other", "line 2: host name \"evil\\u202egro.elpmaxe\" holds U+202E"},
		{"wn01.example.org wn01\u200b", ""},
	} {
		body := "#\nhost: " + tt.host + "\n#\na\t1\tx\n"
		_, err := Parse([]byte(body), Protocol5, DefaultLimits)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, tt.wantErr) || (tt.wantErr == "") != (err == nil) {
			t.Errorf("host %+q: err = %q, want %q...", tt.host, got, tt.wantErr)
		}
		if name := PeekHostname([]byte(body), DefaultLimits); (tt.wantErr == "") != (name != "") {
			t.Errorf("host %+q: PeekHostname = %q", tt.host, name)
		}
	}
}

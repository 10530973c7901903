package collect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// perlDocExample is the configuration example of the Perl client's manual.
const perlDocExample = `#
# this is my pakiti-client configuration
#
url = http://some.where.org:8080/some/path
encrypt = <<EOT
-----BEGIN CERTIFICATE-----
VR0gBF0wWzBZBgorBgEEAWAKBAsBMEswSQYIKwYBBQUHAgEWPWh0dHA6Ly9jYWZp
-----END CERTIFICATE-----
EOT
`

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{
			name: "the Perl client's manual example",
			in:   perlDocExample,
			want: map[string]string{
				"url":     "http://some.where.org:8080/some/path",
				"encrypt": "-----BEGIN CERTIFICATE-----\nVR0gBF0wWzBZBgorBgEEAWAKBAsBMEswSQYIKwYBBQUHAgEWPWh0dHA6Ly9jYWZp\n-----END CERTIFICATE-----\n",
			},
		},
		{
			name: "blanks, comments, spacing, later wins, empty value, our keys",
			in:   "\n   \n  # comment\n\tsite=CERN-PROD  \nsite = EGI-SITE\ntag =\n  debug = 1\nrndsleep = 3600\ntimeout = 30s\nno-protocol-version = yes\nprotocol=5\n",
			want: map[string]string{"site": "EGI-SITE", "tag": "", "debug": "1", "rndsleep": "3600", "timeout": "30s", "no-protocol-version": "yes", "protocol": "5"},
		},
		{
			name: "CRLF line ends",
			in:   "url = https://pakiti.example.org/feed/\r\nsite = S1\r\ncurl = <<E\r\nx\r\nE\r\n",
			want: map[string]string{"url": "https://pakiti.example.org/feed/", "site": "S1", "curl": "x\r\n"},
		},
		{
			name: "heredoc: blank and comment lines are kept, end tag with trailing blanks",
			in:   "encrypt = <<CERT\n\n# not a comment\nCERTX\n CERT\nCERT  \t\nhost = h\n",
			want: map[string]string{"encrypt": "\n# not a comment\nCERTX\n CERT\n", "host": "h"},
		},
		{
			name: "empty heredoc",
			in:   "tag = <<E\nE\n",
			want: map[string]string{"tag": ""},
		},
		{
			name: "not a heredoc tag: kept as the value",
			in:   "tag = <<E-F\nexpect = <<\n",
			want: map[string]string{"tag": "<<E-F", "expect": "<<"},
		},
		{
			name: "command paths of the Perl client are accepted",
			in:   "curl = /usr/bin/curl\nwget = /usr/bin/wget\nlsb_release = /usr/bin/lsb_release\nrpm = /bin/rpm\n",
			want: map[string]string{"curl": "/usr/bin/curl", "wget": "/usr/bin/wget", "lsb_release": "/usr/bin/lsb_release", "rpm": "/bin/rpm"},
		},
		{name: "empty file", in: "", want: map[string]string{}},
		{name: "unknown option", in: "url = x\nproxy = http://p:3128\n", wantErr: `line 2: unknown option "proxy"`},
		{name: "malformed line", in: "url = x\nsite CERN\n", wantErr: `line 2: malformed line "site CERN"`},
		{name: "no name", in: "= x\n", wantErr: "line 1: malformed line"},
		{name: "heredoc without end", in: "url = x\nencrypt = <<EOT\nabc\n\n\n", wantErr: `line 2: heredoc <<EOT of option "encrypt" has no end line EOT`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(tt.in))
			if tt.wantErr != "" {
				var ce *ConfigError
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) || !errors.As(err, &ce) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			checkConfigRoundTrip(t, got)
		})
	}
}

func checkConfigRoundTrip(t *testing.T, opts map[string]string) {
	t.Helper()
	text, err := FormatConfig(opts)
	if err != nil {
		t.Fatalf("FormatConfig(%q): %v", opts, err)
	}
	back, err := ParseConfig(text)
	if err != nil {
		t.Fatalf("ParseConfig(FormatConfig(%q)) = %v; text:\n%s", opts, err, text)
	}
	if diff := cmp.Diff(opts, back); diff != "" {
		t.Fatalf("round trip (-parsed +reparsed):\n%s\ntext:\n%s", diff, text)
	}
}

func TestFormatConfig(t *testing.T) {
	got, err := FormatConfig(map[string]string{"url": "https://x/feed/", "encrypt": "a\nEOT\nEOT1 \n", "tag": ""})
	if err != nil {
		t.Fatal(err)
	}
	want := "encrypt = <<EOT2\na\nEOT\nEOT1 \nEOT2\ntag = \nurl = https://x/feed/\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []map[string]string{{"nope": "x"}, {"url": " x"}, {"url": "a\nb"}} {
		if _, err := FormatConfig(bad); err == nil {
			t.Errorf("FormatConfig(%q) accepted", bad)
		}
	}
}

func TestReadConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pakiti-client.cfg")
	if err := os.WriteFile(p, []byte("url = x\nbogus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadConfig(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": line 2: malformed line") {
		t.Errorf("err = %v", err)
	}
	if _, err := ReadConfig(p + ".missing"); err == nil {
		t.Error("missing file: no error")
	}
}

func TestPerlTrue(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "1": true, "yes": true, "0.0": true, "false": true} {
		if got := PerlTrue(v); got != want {
			t.Errorf("PerlTrue(%q) = %v", v, got)
		}
	}
}

// FuzzParseConfig checks that no input makes ParseConfig panic, and that
// every accepted configuration, written back with FormatConfig, reads back
// to the same options.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(perlDocExample))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts, err := ParseConfig(data)
		if err != nil {
			return
		}
		checkConfigRoundTrip(t, opts)
	})
}

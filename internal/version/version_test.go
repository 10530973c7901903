package version

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Scheme
	}{
		{"deb", Deb}, {"dpkg", Deb}, {"DEB", Deb}, {"rpm", RPM}, {"apk", APK}, {"Apk", APK},
	} {
		got, err := Lookup(tc.name)
		if err != nil || got != tc.want {
			t.Errorf("Lookup(%q) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	for _, name := range []string{"", "debian", "rpm ", "pacman"} {
		s, err := Lookup(name)
		if err == nil {
			t.Errorf("Lookup(%q) = %v, want an error", name, s)
			continue
		}
		for _, valid := range []string{"deb", "dpkg", "rpm", "apk"} {
			if !strings.Contains(err.Error(), valid) {
				t.Errorf("Lookup(%q) error %q does not name %q", name, err, valid)
			}
		}
	}
}

func TestNames(t *testing.T) {
	for s, want := range map[Scheme]string{Deb: "deb", RPM: "rpm", APK: "apk"} {
		if s.Name() != want {
			t.Errorf("Name() = %q, want %q", s.Name(), want)
		}
	}
}

// vector is one row of a testdata/*.tsv file.
type vector struct {
	a, b    string
	want    int
	section string
	line    int
}

// loadVectors reads testdata/<scheme>.tsv, written by gen-vectors.sh.
func loadVectors(tb testing.TB, scheme string) []vector {
	tb.Helper()
	path := filepath.Join("testdata", scheme+".tsv")
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []vector
	section := ""
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if name, ok := strings.CutPrefix(text, "# section: "); ok {
			section, _, _ = strings.Cut(name, " ")
			continue
		}
		if text == "" || text[0] == '#' {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 3 {
			tb.Fatalf("%s:%d: want 3 columns, got %d", path, line, len(cols))
		}
		a, err1 := unescapeField(cols[0])
		b, err2 := unescapeField(cols[1])
		if err1 != nil || err2 != nil {
			tb.Fatalf("%s:%d: bad escape: %v %v", path, line, err1, err2)
		}
		want, ok := map[string]int{"<": -1, "=": 0, ">": 1}[cols[2]]
		if !ok {
			tb.Fatalf("%s:%d: bad result %q", path, line, cols[2])
		}
		out = append(out, vector{a, b, want, section, line})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// unescapeField undoes gen_vectors.py's escaping: \\ \t \n \xHH.
func unescapeField(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			sb.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("trailing backslash in %q", s)
		}
		i++
		switch s[i] {
		case '\\':
			sb.WriteByte('\\')
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'x':
			if i+2 >= len(s) {
				return "", fmt.Errorf("short \\x escape in %q", s)
			}
			n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", err
			}
			sb.WriteByte(byte(n))
			i += 2
		default:
			return "", fmt.Errorf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return sb.String(), nil
}

var resultSym = map[int]string{-1: "<", 0: "=", 1: ">"}

// TestVectors checks every row the real tools produced, both ways round,
// and each side against itself.
func TestVectors(t *testing.T) {
	for _, s := range []Scheme{Deb, RPM, APK} {
		t.Run(s.Name(), func(t *testing.T) {
			vs := loadVectors(t, s.Name())
			if len(vs) == 0 {
				t.Fatal("no vectors")
			}
			failed := 0
			for _, v := range vs {
				got, back := s.Compare(v.a, v.b), s.Compare(v.b, v.a)
				self := s.Compare(v.a, v.a) == 0 && s.Compare(v.b, v.b) == 0
				if got == v.want && back == -v.want && self {
					continue
				}
				failed++
				if failed <= 20 {
					t.Errorf("%s.tsv:%d [%s] %q %s %q: Compare=%d, swapped=%d, self-equal=%v",
						s.Name(), v.line, v.section, v.a, resultSym[v.want], v.b, got, back, self)
				}
			}
			if failed > 0 {
				t.Errorf("%d of %d vectors fail", failed, len(vs))
			}
			t.Logf("%d vectors", len(vs))
		})
	}
}

func TestUnescapeField(t *testing.T) {
	for in, want := range map[string]string{
		`a\\b`: `a\b`, `\t1`: "\t1", `1\n`: "1\n", `\xe9\x00`: "\xe9\x00", `plain`: "plain", ``: ``,
	} {
		if got, err := unescapeField(in); err != nil || got != want {
			t.Errorf("unescapeField(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`\`, `\q`, `\x4`, `\xzz`} {
		if _, err := unescapeField(bad); err == nil {
			t.Errorf("unescapeField(%q): want an error", bad)
		}
	}
}

// knownCase is a hand-written expectation: a <op> b.
type knownCase struct {
	a, op, b string
}

func checkKnown(t *testing.T, s Scheme, cases []knownCase) {
	t.Helper()
	for _, c := range cases {
		want := map[string]int{"<": -1, "=": 0, ">": 1}[c.op]
		if got := s.Compare(c.a, c.b); got != want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %s", s.Name(), c.a, c.b, got, c.op)
		}
		if got := s.Compare(c.b, c.a); got != -want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %d (swapped)", s.Name(), c.b, c.a, got, -want)
		}
	}
}

// checkFuzzPair asserts the properties every scheme must have on any input.
func checkFuzzPair(t *testing.T, s Scheme, a, b string) {
	ab, ba := s.Compare(a, b), s.Compare(b, a)
	if ab < -1 || ab > 1 {
		t.Fatalf("Compare(%q, %q) = %d, not in -1..1", a, b, ab)
	}
	if ab != -ba {
		t.Fatalf("not antisymmetric: Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
	}
	if c := s.Compare(a, a); c != 0 {
		t.Fatalf("not reflexive: Compare(%q, %q) = %d", a, a, c)
	}
	if c := s.Compare(b, b); c != 0 {
		t.Fatalf("not reflexive: Compare(%q, %q) = %d", b, b, c)
	}
}

// benchPairs returns the real-version rows of a scheme's vectors (for apk,
// whose rows all come from apk-tools' test list, all rows).
func benchPairs(b *testing.B, scheme string) []vector {
	var out []vector
	all := loadVectors(b, scheme)
	for _, v := range all {
		if v.section == "real" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = all
	}
	return out
}

var benchSink int

func benchCompare(b *testing.B, s Scheme) {
	pairs := benchPairs(b, s.Name())
	b.ReportAllocs()
	b.ResetTimer()
	sum := 0
	for i := 0; i < b.N; i++ {
		p := &pairs[i%len(pairs)]
		sum += s.Compare(p.a, p.b)
	}
	benchSink = sum
}

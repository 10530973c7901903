package model

import "testing"

// FuzzNormalizeIDPrefix: the CVE autocomplete's prefix (a query
// parameter) normalises without panicking, and normalising twice
// changes nothing.
func FuzzNormalizeIDPrefix(f *testing.F) {
	for _, s := range []string{"cve-2023", "CVE-", "dsa-53", "ghsa-jfh8", " temp-", "", "-", "\xff-x", "c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeIDPrefix(s)
		if again := NormalizeIDPrefix(n); again != n {
			t.Errorf("%q -> %q -> %q", s, n, again)
		}
	})
}

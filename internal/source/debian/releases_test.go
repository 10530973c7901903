package debian

import "testing"

func TestOSGroup(t *testing.T) {
	for _, tc := range []struct {
		codename, group string
		ok              bool
	}{
		// Every codename the real data uses: the DSA list (woody..bullseye),
		// the DLA list (squeeze..buster), the tracker JSON excerpts
		// (jessie..trixie, sid), the salsa CVE list (bookworm, bullseye,
		// buster) and its config.json (etch, lenny, squeeze, bookworm, forky, sid).
		{"woody", "debian:3.0", true},
		{"sarge", "debian:3.1", true},
		{"etch", "debian:4", true},
		{"lenny", "debian:5", true},
		{"squeeze", "debian:6", true},
		{"wheezy", "debian:7", true},
		{"jessie", "debian:8", true},
		{"stretch", "debian:9", true},
		{"buster", "debian:10", true},
		{"bullseye", "debian:11", true},
		{"bookworm", "debian:12", true},
		{"trixie", "debian:13", true},
		{"forky", "debian:14", true},
		{"duke", "debian:15", true},
		{"sid", "debian:sid", true},
		// Not releases with a fixed codename, or not codenames at all.
		{"experimental", "", false}, // "[experimental] - perl 5.38.0~rc2-1" in the CVE list
		{"testing", "", false},
		{"unstable", "", false},
		{"Bookworm", "", false},
		{"bookworm-security", "", false}, // a repository key of the JSON, not a release
		{"", "", false},
	} {
		got, ok := OSGroup(tc.codename)
		if got != tc.group || ok != tc.ok {
			t.Errorf("OSGroup(%q) = %q, %v; want %q, %v", tc.codename, got, ok, tc.group, tc.ok)
		}
		if !tc.ok {
			continue
		}
		back, ok := Codename(got)
		if !ok || back != tc.codename {
			t.Errorf("Codename(%q) = %q, %v; want %q", got, back, ok, tc.codename)
		}
	}
	for _, g := range []string{"debian:12.5", "debian:", "ubuntu:22.04", "debian:unstable", "12", ""} {
		if c, ok := Codename(g); ok {
			t.Errorf("Codename(%q) = %q, want none", g, c)
		}
	}
}

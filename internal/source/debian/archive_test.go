package debian

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fleet is a fixed answer to FleetFacts.
type fleet struct{ groups, arches []string }

func (f fleet) FleetFacts(context.Context, string) ([]string, []string, error) {
	return f.groups, f.arches, nil
}

func TestPlanURLs(t *testing.T) {
	const d, s = "https://deb.debian.org/debian/dists/", "https://security.debian.org/debian-security/dists/"
	idx := func(base, suite, arch string) string { return base + suite + "/main/binary-" + arch + "/Packages.xz" }
	for _, tc := range []struct {
		name  string
		a     Archive
		fleet fleet
		want  []string
	}{
		{"defaults, empty fleet: amd64 of 11, 12, 13", Archive{}, fleet{}, []string{TrackerURL,
			idx(d, "bullseye", "amd64"), idx(s, "bullseye-security", "amd64"), idx(d, "bullseye-updates", "amd64"),
			idx(d, "bookworm", "amd64"), idx(s, "bookworm-security", "amd64"), idx(d, "bookworm-updates", "amd64"),
			idx(d, "trixie", "amd64"), idx(s, "trixie-security", "amd64"), idx(d, "trixie-updates", "amd64")}},
		{"the fleet's releases and arches (uname -m), older than 11 and unknown ones left out",
			Archive{Releases: []string{"bookworm"}},
			fleet{groups: []string{"debian:10", "debian:12", "debian:14", "debian:sid", "debian:99"}, arches: []string{"x86_64", "aarch64", "sparc"}},
			[]string{TrackerURL,
				idx(d, "bookworm", "amd64"), idx(d, "bookworm", "arm64"), idx(s, "bookworm-security", "amd64"), idx(s, "bookworm-security", "arm64"),
				idx(d, "bookworm-updates", "amd64"), idx(d, "bookworm-updates", "arm64"),
				idx(d, "forky", "amd64"), idx(d, "forky", "arm64"), idx(s, "forky-security", "amd64"), idx(s, "forky-security", "arm64"),
				idx(d, "forky-updates", "amd64"), idx(d, "forky-updates", "arm64"),
				idx(d, "sid", "amd64"), idx(d, "sid", "arm64")}},
		{"a site mirror serves the security suites too; configured arches and tracker",
			Archive{Mirror: "http://mirror.example.org/debian/", Releases: []string{"trixie"}, Arches: []string{"i386"}, Tracker: []string{"/srv/json"}},
			fleet{arches: []string{"x86_64"}},
			[]string{"/srv/json",
				idx("http://mirror.example.org/debian/dists/", "trixie", "amd64"), idx("http://mirror.example.org/debian/dists/", "trixie", "i386"),
				idx("http://mirror.example.org/debian/dists/", "trixie-security", "amd64"), idx("http://mirror.example.org/debian/dists/", "trixie-security", "i386"),
				idx("http://mirror.example.org/debian/dists/", "trixie-updates", "amd64"), idx("http://mirror.example.org/debian/dists/", "trixie-updates", "i386")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, missing, err := tc.a.Plan(context.Background(), tc.fleet)
			if err != nil || len(missing) != 0 {
				t.Fatalf("missing %v, error %v", missing, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

// A local mirror directory: each index is the first of Packages.xz,
// Packages.gz, Packages present; an absent one is named as missing.
func TestPlanLocalMirror(t *testing.T) {
	dir := t.TempDir()
	put := func(rel string) string {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("Package: x\nVersion: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	main := put("dists/bookworm/main/binary-amd64/Packages.gz")
	put("dists/bookworm/main/binary-amd64/Packages")
	sec := put("dists/bookworm-security/main/binary-amd64/Packages.xz")
	put("dists/bookworm-security/main/binary-amd64/Packages.gz")
	upd := put("dists/bookworm-updates/main/binary-amd64/Packages")
	got, missing, err := Archive{Mirror: dir, Releases: []string{"bookworm", "sid"}, Tracker: []string{}}.Plan(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{main, sec, upd}, got); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{filepath.Join(dir, "dists/sid/main/binary-amd64/Packages")}, missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

func TestIndexSuite(t *testing.T) {
	for loc, want := range map[string]string{
		"https://security.debian.org/debian-security/dists/bookworm-security/main/binary-amd64/Packages.xz": "security",
		"/srv/mirror/dists/bullseye-updates/main/binary-arm64/Packages.gz":                                  "updates",
		"/srv/mirror/dists/bookworm/main/binary-amd64/Packages.gz":                                          "",
		"bookworm-security_main_binary-amd64_Packages.gz":                                                   "security",
		"debian:12=/srv/bookworm-security_main_binary-amd64_Packages.gz":                                    "security",
		"/srv/my-security/dists/bookworm/main/binary-amd64/Packages":                                        "",
	} {
		if got := IndexSuite(loc); got != want {
			t.Errorf("IndexSuite(%q) = %q, want %q", loc, got, want)
		}
	}
}

// A release name above "dists/" is not the index's release.
func TestBinaryIndexGroupAfterDists(t *testing.T) {
	g, ok, err := New().BinaryIndexGroup("/home/sid/mirror/dists/bookworm-security/main/binary-amd64/Packages.xz", []byte("Package: libc6\n"))
	if err != nil || !ok || g != "debian:12" {
		t.Errorf("got %q %v %v, want debian:12", g, ok, err)
	}
}

func TestDpkgArch(t *testing.T) {
	for in, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "i686": "i386", "armv7l": "armhf", "ppc64le": "ppc64el", "s390x": "s390x", "amd64": "amd64"} {
		if got, ok := DpkgArch(in); !ok || got != want {
			t.Errorf("DpkgArch(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := DpkgArch("sparc"); ok {
		t.Error("sparc has an index")
	}
}

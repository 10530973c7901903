package ubuntu

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// fleet is a source.Fleet of given facts.
type fleet struct{ groups, arches []string }

func (f fleet) FleetFacts(_ context.Context, distro string) ([]string, []string, error) {
	if distro != "ubuntu" {
		return nil, nil, nil
	}
	return f.groups, f.arches, nil
}

func TestPlanURLs(t *testing.T) {
	a := Archive{Releases: []string{"jammy"}, Components: []string{"main"}}
	got, missing, err := a.Plan(context.Background(), fleet{groups: []string{"ubuntu:18.04", "debian:12"}, arches: []string{"x86_64", "aarch64", "sparc"}})
	if err != nil || len(missing) != 0 {
		t.Fatal(err, missing)
	}
	want := []string{TrackerURL}
	for _, rel := range []string{"bionic", "jammy"} { // release order, the fleet's 18.04 first
		want = append(want,
			"http://archive.ubuntu.com/ubuntu/dists/"+rel+"/main/binary-amd64/Packages.xz",
			"http://ports.ubuntu.com/ubuntu-ports/dists/"+rel+"/main/binary-arm64/Packages.xz",
			"http://security.ubuntu.com/ubuntu/dists/"+rel+"-security/main/binary-amd64/Packages.xz",
			"http://ports.ubuntu.com/ubuntu-ports/dists/"+rel+"-security/main/binary-arm64/Packages.xz",
			"http://archive.ubuntu.com/ubuntu/dists/"+rel+"-updates/main/binary-amd64/Packages.xz",
			"http://ports.ubuntu.com/ubuntu-ports/dists/"+rel+"-updates/main/binary-arm64/Packages.xz")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}

func TestPlanLocalMirror(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"dists/bionic/main/binary-amd64/Packages.gz", "dists/bionic-security/main/binary-amd64/Packages"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("Package: x\n"), 0o644)
	}
	a := Archive{Mirror: dir, Releases: []string{}, Components: []string{"main"}, Tracker: []string{"/srv/uct.tar.gz"}}
	got, missing, err := a.Plan(context.Background(), fleet{groups: []string{"ubuntu:18.04"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/srv/uct.tar.gz", filepath.Join(dir, "dists/bionic/main/binary-amd64/Packages.gz"),
		filepath.Join(dir, "dists/bionic-security/main/binary-amd64/Packages")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{filepath.Join(dir, "dists/bionic-updates/main/binary-amd64/Packages")}, missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

func TestIndexSuiteAndGroup(t *testing.T) {
	for _, c := range []struct{ loc, suite, group string }{
		{"/srv/focal-mirror/dists/bionic-security/main/binary-amd64/Packages.xz", "security", "ubuntu:18.04"},
		{"http://archive.ubuntu.com/ubuntu/dists/jammy-updates/universe/binary-amd64/Packages.xz", "updates", "ubuntu:22.04"},
		{"/srv/noble-security-copy/dists/noble/main/binary-arm64/Packages", "", "ubuntu:24.04"},
		{"bionic-security_main_binary-amd64_Packages.gz", "security", "ubuntu:18.04"},
	} {
		if got := IndexSuite(c.loc); got != c.suite {
			t.Errorf("IndexSuite(%s) = %q, want %q", c.loc, got, c.suite)
		}
		g, ok, err := New().BinaryIndexGroup(c.loc, []byte("Package: bash\n"))
		if g != c.group || !ok || err != nil {
			t.Errorf("BinaryIndexGroup(%s) = %q %v %v, want %q", c.loc, g, ok, err, c.group)
		}
	}
}

// TestSecurityUpdates: versions from the real dpkg status files of the
// 18.04 inventories (apt 1.6.3ubuntu0.1 on fanal-testdata-dpkg, 1.6.12 on
// claircore-texlive), offered as a -security pocket would offer them.
func TestSecurityUpdates(t *testing.T) {
	cands := []store.UpdateCandidate{
		{Name: "apt", Arch: "amd64", Installed: "1.6.3ubuntu0.1", Offered: "1.6.12", SourceName: "apt"},
		{Name: "apt", Arch: "amd64", Installed: "1.6.3ubuntu0.1", Offered: "1.6.3ubuntu0.1", SourceName: "apt"},
		{Name: "bash", Arch: "amd64", Installed: "4.4.18-2ubuntu1.2", Offered: "4.4.18-2ubuntu1", SourceName: "bash"},
	}
	want := []store.UpdateFinding{{Package: "apt", Arch: "amd64", Installed: "1.6.3ubuntu0.1", Available: "1.6.12",
		Source: "apt", Status: store.StatusUpdateAvailable}}
	if diff := cmp.Diff(want, Driver{}.SecurityUpdates(cands)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/testenv"
)

func TestVersionFor(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 30, 5, 0, time.UTC)
	tests := []struct {
		name string
		g    gitState
		want string
	}{
		{"tagged clean commit", gitState{commit: "5365cb5f00", tag: "v4.1.2", time: at}, "4.1.2"},
		{"untagged", gitState{commit: "5365cb5f00", time: at}, "4.0.0~git20261201093005.5365cb5"},
		{"tagged but modified", gitState{commit: "5365cb5f00+dirty", tag: "v4.1.2", time: at, dirty: true}, "4.0.0~git20261201093005.5365cb5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionFor(tt.g); got != tt.want {
				t.Errorf("versionFor = %q, want %q", got, tt.want)
			}
			if err := checkVersion(versionFor(tt.g)); err != nil {
				t.Error(err)
			}
		})
	}
	for _, bad := range []string{"", "v1.0", "1.0-2", "1.0 beta", "1.0/x"} {
		if checkVersion(bad) == nil {
			t.Errorf("checkVersion(%q) accepted it", bad)
		}
	}
}

// TestSnapshotSortsAfterPerlClient checks with dpkg itself that our
// snapshot versions upgrade the Perl client's packages (3.0.4 is its last
// Debian changelog entry, CESNET/pakiti-client debian/changelog) and sort
// before the release they lead to.
func TestSnapshotSortsAfterPerlClient(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("no dpkg here to compare versions")
	}
	snap := versionFor(gitState{commit: "5365cb5f00", time: time.Unix(1796023997, 0)}) + "-1"
	for _, c := range []struct{ a, op, b string }{
		{snap, "gt", "3.0.4"},
		{snap, "lt", nextVersion + "-1"},
		{snap, "lt", versionFor(gitState{commit: "0000000", time: time.Unix(1796023998, 0)}) + "-1"},
	} {
		if err := exec.Command("dpkg", "--compare-versions", c.a, c.op, c.b).Run(); err != nil {
			t.Errorf("dpkg --compare-versions %s %s %s: %v", c.a, c.op, c.b, err)
		}
	}
}

func readTarGz(t *testing.T, file string) []*tar.Header {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header carries time %v, name %q", zr.ModTime, zr.Name)
	}
	var hdrs []*tar.Header
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hdrs
		}
		if err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, h)
	}
}

func TestWriteTarGz(t *testing.T) {
	mtime := time.Unix(1796023997, 0).UTC()
	entries := []entry{
		{name: "share/man/man1/x.1", mode: 0o644, data: []byte("man\n")},
		{name: "bin/x", mode: 0o755, data: []byte("binary")},
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "b.tar.gz")
	if err := writeTarGz(a, "x-1", entries, mtime); err != nil {
		t.Fatal(err)
	}
	// The same entries in another order, later: the same bytes.
	time.Sleep(1100 * time.Millisecond)
	if err := writeTarGz(b, "x-1", []entry{entries[1], entries[0]}, mtime); err != nil {
		t.Fatal(err)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Error("two archives of the same entries differ")
	}
	type row struct {
		Name        string
		Mode        int64
		Uid, Gid    int
		Uname, Gnam string
		MTime       time.Time
	}
	var got []row
	for _, h := range readTarGz(t, a) {
		got = append(got, row{h.Name, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime.UTC()})
	}
	want := []row{
		{"x-1/", 0o755, 0, 0, "root", "root", mtime},
		{"x-1/bin/", 0o755, 0, 0, "root", "root", mtime},
		{"x-1/bin/x", 0o755, 0, 0, "root", "root", mtime},
		{"x-1/share/", 0o755, 0, 0, "root", "root", mtime},
		{"x-1/share/man/", 0o755, 0, 0, "root", "root", mtime},
		{"x-1/share/man/man1/", 0o755, 0, 0, "root", "root", mtime},
		{"x-1/share/man/man1/x.1", 0o644, 0, 0, "root", "root", mtime},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
}

func TestWriteSums(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"b.deb": "abc", "a.rpm": "", "SHA256SUMS": "old"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := writeSums(dir)
	if err != nil || n != 2 {
		t.Fatalf("writeSums = %d, %v", n, err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	// The SHA-256 of "" and of "abc" (FIPS 180-2's example).
	want := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.rpm\n" +
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b.deb\n"
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("SHA256SUMS (-want +got):\n%s", d)
	}
}

func TestSBOM(t *testing.T) {
	// This test binary stands for a release binary: it holds build
	// information with real modules (go.mod requires nfpm v2.46.3, whose
	// go.mod requires github.com/google/rpmpack v0.7.1; the build
	// information of a test binary lists the package's own dependencies,
	// not those only the tests import, such as go-cmp).
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	c := config{version: "4.0.0", commit: "5365cb5f", mtime: time.Unix(1796023997, 0)}
	bins := []binary{{name: "pakiti-client", arch: "amd64", path: exe, data: data}}
	out, err := makeSBOM(c, bins)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := makeSBOM(c, bins)
	if !bytes.Equal(out, again) {
		t.Error("two SBOMs of the same binaries differ")
	}
	var bom cdxBOM
	if err := json.Unmarshal(out, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.5" || bom.Metadata.Timestamp != "2026-11-30T07:33:17Z" {
		t.Errorf("header %q %q %q", bom.BOMFormat, bom.SpecVersion, bom.Metadata.Timestamp)
	}
	if !strings.HasPrefix(bom.SerialNumber, "urn:uuid:") || len(bom.SerialNumber) != len("urn:uuid:")+36 {
		t.Errorf("serial number %q", bom.SerialNumber)
	}
	// Other binaries of the same version: another serial number.
	other, err := makeSBOM(c, []binary{{name: "pakiti-client", arch: "amd64", path: exe, data: []byte("other")}})
	if err != nil {
		t.Fatal(err)
	}
	var otherBOM cdxBOM
	if err := json.Unmarshal(other, &otherBOM); err != nil {
		t.Fatal(err)
	}
	if otherBOM.SerialNumber == bom.SerialNumber {
		t.Errorf("the serial number %s does not depend on the binaries", bom.SerialNumber)
	}
	sum := sha256.Sum256(data)
	purls := map[string]bool{}
	var app *cdxComponent
	for i, comp := range bom.Components {
		purls[comp.Purl] = true
		if comp.BOMRef == "binary:pakiti-client/linux/amd64" {
			app = &bom.Components[i]
		}
	}
	if app == nil {
		t.Fatalf("no component for the binary in %s", out)
	}
	if d := cmp.Diff([]cdxHash{{Alg: "SHA-256", Content: hex.EncodeToString(sum[:])}}, app.Hashes); d != "" {
		t.Errorf("binary hashes (-want +got):\n%s", d)
	}
	for _, p := range []string{
		"pkg:golang/github.com/google/rpmpack@v0.7.1",
		"pkg:golang/github.com/goreleaser/nfpm/v2@v2.46.3",
		"pkg:golang/stdlib@" + strings.TrimPrefix(runtime.Version(), "go"),
	} {
		if !purls[p] {
			t.Errorf("SBOM lacks %s", p)
		}
	}
	deps := map[string][]string{}
	for _, d := range bom.Dependencies {
		deps[d.Ref] = d.DependsOn
	}
	if d := cmp.Diff([]string{"binary:pakiti-client/linux/amd64"}, deps["pkg:golang/github.com/pakiti-go/pakiti@4.0.0"]); d != "" {
		t.Errorf("root dependencies (-want +got):\n%s", d)
	}
	if !contains(deps["binary:pakiti-client/linux/amd64"], "pkg:golang/github.com/google/rpmpack@v0.7.1") {
		t.Errorf("the binary does not depend on rpmpack: %v", deps["binary:pakiti-client/linux/amd64"])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPackageSpecs(t *testing.T) {
	d := deployFiles{clientConf: []byte("conf"), serverEnv: []byte("env")}
	type file struct {
		Mode   string
		Config bool
	}
	list := func(s pkgSpec) map[string]file {
		m := map[string]file{}
		for _, f := range s.files {
			m[f.dst] = file{f.mode.String(), f.config}
		}
		return m
	}
	wantClient := map[string]file{
		"/usr/bin/pakiti-client":                        {"-rwxr-xr-x", false},
		"/usr/share/man/man1/pakiti-client.1.gz":        {"-rw-r--r--", false},
		"/etc/pakiti/client.conf":                       {"-rw-r--r--", true},
		"/etc/cron.d/pakiti-client":                     {"-rw-r--r--", true},
		"/usr/lib/systemd/system/pakiti-client.service": {"-rw-r--r--", false},
		"/usr/lib/systemd/system/pakiti-client.timer":   {"-rw-r--r--", false},
	}
	if d := cmp.Diff(wantClient, list(clientSpec(nil, d))); d != "" {
		t.Errorf("client files (-want +got):\n%s", d)
	}
	wantServer := map[string]file{
		"/usr/bin/pakiti":                        {"-rwxr-xr-x", false},
		"/usr/share/man/man1/pakiti.1.gz":        {"-rw-r--r--", false},
		"/etc/pakiti/pakiti.env":                 {"-rw-------", true},
		"/usr/lib/systemd/system/pakiti.service": {"-rw-r--r--", false},
	}
	if d := cmp.Diff(wantServer, list(serverSpec(nil, d))); d != "" {
		t.Errorf("server files (-want +got):\n%s", d)
	}
}

// TestReleaseReproducible runs the whole release twice (amd64 only, to
// save time) and compares the SHA256SUMS; .ci/packages.sh does the same
// with both architectures.
func TestReleaseReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release twice (about a minute): skipped with -short")
	}
	if testenv.CI() {
		t.Skip("CI: .ci/packages.sh builds the whole release twice (both architectures) and compares SHA256SUMS")
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var sums [2][]byte
	for i := range sums {
		out := filepath.Join(t.TempDir(), "dist")
		if err := run(ctx, []string{"-out", out, "-arch", "amd64", "-version", "4.0.0~test"}, log); err != nil {
			t.Fatal(err)
		}
		sums[i], _ = os.ReadFile(filepath.Join(out, "SHA256SUMS"))
		if i == 0 {
			checkReleaseFiles(t, out)
		}
	}
	if d := cmp.Diff(string(sums[0]), string(sums[1])); d != "" {
		t.Errorf("two releases differ (-first +second):\n%s", d)
	}
}

func checkReleaseFiles(t *testing.T, out string) {
	t.Helper()
	for _, pattern := range []string{
		"pakiti-client_*_amd64.deb", "pakiti-client-*.x86_64.rpm", "pakiti_*_amd64.deb", "pakiti-[0-9]*.x86_64.rpm",
		"pakiti-client_*_linux_amd64.tar.gz", "pakiti_*_linux_amd64.tar.gz", "sbom.cdx.json", "SHA256SUMS",
	} {
		m, _ := filepath.Glob(filepath.Join(out, pattern))
		if len(m) != 1 {
			t.Errorf("%s: %d files, want 1", pattern, len(m))
		}
	}
	debs, _ := filepath.Glob(filepath.Join(out, "pakiti-client_*_amd64.deb"))
	if len(debs) == 1 {
		checkClientDeb(t, debs[0])
	}
}

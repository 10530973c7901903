package e2e

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"
)

// debianMirror lays out the real Packages indexes of the feeds folder
// (shared/data/feeds/debian/apt-{bullseye,bookworm}, see their PROVENANCE)
// as an archive directory: dists/<suite>/main/binary-amd64/Packages.gz,
// and bookworm-security's as Packages.xz (recompressed, the form Debian's
// security archive serves it in). Trixie is absent: the default source set
// names it missing and goes on.
func debianMirror(t *testing.T, shared string) string {
	t.Helper()
	dir := t.TempDir()
	for _, rel := range []string{"bullseye", "bookworm"} {
		for _, suite := range []string{rel, rel + "-security", rel + "-updates"} {
			from := filepath.Join(shared, "data/feeds/debian", "apt-"+rel, suite+"_main_binary-amd64_Packages.gz")
			to := filepath.Join(dir, "dists", suite, "main", "binary-amd64")
			if err := os.MkdirAll(to, 0o755); err != nil {
				t.Fatal(err)
			}
			if suite != "bookworm-security" {
				if err := os.Symlink(from, filepath.Join(to, "Packages.gz")); err != nil {
					t.Fatal(err)
				}
				continue
			}
			in, err := os.Open(from)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := os.Create(filepath.Join(to, "Packages.xz"))
			if err != nil {
				t.Fatal(err)
			}
			xw, err := xz.NewWriter(out)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(xw, zr); err != nil {
				t.Fatal(err)
			}
			if err := xw.Close(); err != nil {
				t.Fatal(err)
			}
			out.Close()
			in.Close()
		}
	}
	return dir
}

// debianHost is a real Debian inventory reported over protocols 5 and 6.
type debianHost struct {
	dir  string // under shared/data/inventories
	host string // its .pakiti5.txt host: line
}

var debianHosts = []debianHost{
	{"debian-11/viking-db", "inv-debian11-a.example.org"},
	{"debian-12/ci-debian12", "ci-debian12.example.org"},
	{"debian-12/langflow-backend-image", "inv-debian12-a.example.org"},
}

// debianRoot lays out an inventory as a root pakiti-client --root reads:
// its real dpkg status and os-release.
func debianRoot(t *testing.T, shared string, h debianHost) string {
	t.Helper()
	root := t.TempDir()
	for from, to := range map[string]string{"status": "var/lib/dpkg/status", "os-release": "etc/os-release"} {
		data, err := os.ReadFile(filepath.Join(shared, "data/inventories", h.dir, from))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, to)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// sourcesJSON is the part of `pakiti sources list --format json` checked.
type sourcesJSON struct {
	Sources []struct {
		Name      string   `json:"name"`
		Locations []string `json:"locations"`
		Missing   []string `json:"missing"`
		Indexes   []struct {
			Location, OSGroup, Suite string
			Binaries                 int
		} `json:"indexes"`
	} `json:"sources"`
}

// withoutBasis drops how the source package was found: protocols 5 and 6
// find it differently, the findings must be the same.
func withoutBasis(f []finding) []finding {
	out := make([]finding, len(f))
	for i, x := range f {
		x.Basis = ""
		out[i] = x
	}
	sortFindings(out)
	return out
}

// TestDebianDefaultSources: the default Debian source set (security data
// plus the Packages indexes of main, -security and -updates of every
// supported release) read from a local mirror directory; real Debian 11
// and 12 hosts over protocol 5 get exactly the findings the same hosts get
// over protocol 6 (issue 10 §1); the security suite's newer versions are
// "update available" findings that resolve when installed (§5).
func TestDebianDefaultSources(t *testing.T) {
	t.Parallel() // one of the slow imports of real data: they overlap (e2e_test.go)
	shared := sharedDir(t)
	mirror := debianMirror(t, shared)
	feeds := filepath.Join(shared, "data/feeds/debian")
	// The security data: the tracker's DSA and DLA lists (to April 2023:
	// nothing for bookworm, released in June 2023) and its JSON excerpts,
	// which name bookworm and so make debian:12 hosts evaluated (none of
	// their packages is in them: the Debian 12 hosts have no finding, over
	// either protocol; the Debian 11 host's are hand-checked below).
	tracker := []string{filepath.Join(feeds, "DSA-list.txt.gz"), filepath.Join(feeds, "DLA-list.txt.gz"),
		filepath.Join(feeds, "tracker-json-excerpts/vulnerablecode_debian.json"),
		filepath.Join(feeds, "tracker-json-excerpts/vunnel_debian.json")}
	dataFlags := []string{"--debian-mirror", mirror}
	for _, l := range tracker {
		dataFlags = append(dataFlags, "--debian-tracker", l)
	}

	p5, p6 := startServer(t), startServer(t)
	for _, h := range debianHosts {
		runClient(t, "--url", p5.base+"/feed/", "--input", filepath.Join(shared, "data/inventories", h.dir, filepath.Base(h.dir)+".pakiti5.txt"))
		runClient(t, "--url", p6.base+"/feed/", "--root", debianRoot(t, shared, h), "--host", h.host, "--site", "INVENTORIES", "--protocol", "6")
	}
	for _, s := range []*server{p5, p6} {
		out := runPakiti(t, s.db, append([]string{"sources", "update", "debian"}, dataFlags...)...)
		if !strings.Contains(out, "debian: ") {
			t.Fatalf("sources update: %s", out)
		}
	}

	// The sources list names every location read, and the one missing.
	var list sourcesJSON
	if err := json.Unmarshal([]byte(runPakiti(t, p5.db, append([]string{"sources", "list", "--format", "json"}, dataFlags...)...)), &list); err != nil {
		t.Fatal(err)
	}
	var wantLocs []string
	for _, suite := range []string{"bookworm", "bookworm-security", "bookworm-updates", "bullseye", "bullseye-security", "bullseye-updates"} {
		name := "Packages.gz"
		if suite == "bookworm-security" {
			name = "Packages.xz"
		}
		wantLocs = append(wantLocs, filepath.Join(mirror, "dists", suite, "main/binary-amd64", name))
	}
	wantLocs = append(wantLocs, tracker...)
	slices.Sort(wantLocs)
	for _, s := range list.Sources {
		if s.Name != "debian" {
			continue
		}
		if diff := cmp.Diff(wantLocs, s.Locations); diff != "" {
			t.Errorf("sources list: debian locations (-want +got):\n%s", diff)
		}
		// Planned and absent from the mirror: the releases the tracker JSON
		// in force lists (the "releases" keys of the two excerpts, read by
		// hand: vulnerablecode_debian.json jessie, stretch, buster,
		// bullseye, bookworm, sid; vunnel_debian.json also trixie) that the
		// mirror (bullseye and bookworm) lacks; sid has one suite.
		var missing []string
		for _, rel := range []string{"jessie", "stretch", "buster", "trixie"} {
			for _, suite := range []string{rel, rel + "-security", rel + "-updates"} {
				missing = append(missing, filepath.Join(mirror, "dists", suite, "main/binary-amd64/Packages"))
			}
		}
		missing = append(missing, filepath.Join(mirror, "dists", "sid", "main/binary-amd64/Packages"))
		if diff := cmp.Diff(missing, s.Missing); diff != "" {
			t.Errorf("sources list: debian missing (-want +got):\n%s", diff)
		}
		// Stanza counts of PROVENANCE.tsv: bookworm 63440, bookworm-security 3020, bookworm-updates 38.
		got := map[string]int{}
		for _, x := range s.Indexes {
			got[filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(x.Location))))+" "+x.Suite] = x.Binaries
		}
		for k, n := range map[string]int{"bookworm ": 63440, "bookworm-security security": 3020, "bookworm-updates updates": 38} {
			if got[k] != n {
				t.Errorf("index %q: %d binaries, want %d (all: %v)", k, got[k], n, got)
			}
		}
	}

	// Protocol 5 with the default source set = protocol 6.
	for _, h := range debianHosts {
		a, b := p5.findings(t, h.host, false), p6.findings(t, h.host, false)
		if !a.Host.Evaluated || !b.Host.Evaluated {
			t.Fatalf("%s: evaluated p5 %v p6 %v", h.host, a.Host.Evaluated, b.Host.Evaluated)
		}
		got5, got6 := withoutBasis(open(a)), withoutBasis(open(b))
		if diff := cmp.Diff(got6, got5); diff != "" {
			t.Errorf("%s: protocol 5 with the default sources differs from protocol 6 (-p6 +p5):\n%s", h.host, diff)
		}
		if len(got6) == 0 && strings.HasPrefix(h.dir, "debian-11") {
			t.Errorf("%s: no finding at all", h.host)
		}
		t.Logf("%s: %d findings over both protocols", h.host, len(got6))
	}
	// Hand-checked against the DSA list (basis: the bullseye Packages index maps libssl1.1 to openssl):
	// [07 Feb 2023] DSA-5343-1 openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}
	//   [bullseye] - openssl 1.1.1n-0+deb11u4; viking-db has libssl1.1 1.1.1n-0+deb11u3.
	// [14 Feb 2023] DSA-5349-1 gnutls28 {CVE-2023-0361} [bullseye] - gnutls28 3.7.1-5+deb11u3; libgnutls30 3.7.1-5+deb11u2.
	viking := open(p5.findings(t, "inv-debian11-a.example.org", false))
	for _, w := range []finding{
		{"libssl1.1", "CVE-2023-0286", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
		{"libssl1.1", "CVE-2022-4450", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
		{"libgnutls30", "CVE-2023-0361", "3.7.1-5+deb11u3", "fixed", "DSA-5349-1", "packages-index"},
	} {
		if !slices.Contains(viking, w) {
			t.Errorf("viking-db over protocol 5 lacks %+v", w)
		}
	}

	// Update available (§5), from the real bookworm-security index: the
	// langflow image has libssl3 and openssl 3.0.15-1~deb12u1 where the
	// suite has 3.0.22-1~deb12u2, libexpat1 2.5.0-1+deb12u1 where it has
	// 2.5.0-1+deb12u5; its libc6 2.36-9+deb12u9 (a point release) is newer
	// than the suite's 2.36-9+deb12u7: no update.
	langflow := "inv-debian12-a.example.org"
	ups := p5.updates(t, langflow)
	for _, w := range []string{"libssl3 3.0.15-1~deb12u1 -> 3.0.22-1~deb12u2 openssl", "openssl 3.0.15-1~deb12u1 -> 3.0.22-1~deb12u2 openssl",
		"libexpat1 2.5.0-1+deb12u1 -> 2.5.0-1+deb12u5 expat"} {
		if !slices.Contains(ups.open, w) {
			t.Errorf("%s: update %q missing from %v", langflow, w, ups.open)
		}
	}
	for _, u := range ups.open {
		if strings.HasPrefix(u, "libc6 ") {
			t.Errorf("%s: libc6 2.36-9+deb12u9 is newer than bookworm-security's, yet: %s", langflow, u)
		}
	}
	if ups.count != len(ups.open) || p6.updates(t, langflow).count != ups.count {
		t.Errorf("%s: updates_available %d, %d open; protocol 6 %d", langflow, ups.count, len(ups.open), p6.updates(t, langflow).count)
	}
	if hs := p5.hostsWith(t, "status=update-available"); !slices.Contains(hs, langflow) {
		t.Errorf("?status=update-available lists %v, not %s", hs, langflow)
	}
	// The host installs the openssl update: those two resolve, the rest stay.
	orig, err := os.ReadFile(filepath.Join(shared, "data/inventories/debian-12/langflow-backend-image/langflow-backend-image.pakiti5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	upgraded := strings.NewReplacer("libssl3\t3.0.15-1~deb12u1\t", "libssl3\t3.0.22-1~deb12u2\t",
		"openssl\t3.0.15-1~deb12u1\t", "openssl\t3.0.22-1~deb12u2\t").Replace(string(orig))
	resp, err := http.Post(p5.base+"/feed/?protocol=5", "text/plain", strings.NewReader(upgraded))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("upgraded report: %v %v", err, resp)
	}
	resp.Body.Close()
	after := p5.updates(t, langflow)
	if len(after.open) != len(ups.open)-2 || !slices.Contains(after.open, "libexpat1 2.5.0-1+deb12u1 -> 2.5.0-1+deb12u5 expat") {
		t.Errorf("after installing openssl 3.0.22-1~deb12u2: open %v (before %d)", after.open, len(ups.open))
	}
	if diff := cmp.Diff([]string{"libssl3", "openssl"}, after.resolved); diff != "" {
		t.Errorf("resolved updates (-want +got):\n%s", diff)
	}

	// A second update with nothing changed reads every location once, loads nothing.
	out := runPakiti(t, p5.db, append([]string{"sources", "update", "debian"}, dataFlags...)...)
	if !strings.Contains(out, "unchanged true") {
		t.Errorf("second update: %s", out)
	}
}

// hostUpdates are a host's "update available" findings as lines.
type hostUpdates struct {
	count    int
	open     []string // "package installed -> available source"
	resolved []string // packages
}

func (s *server) updates(t *testing.T, host string) hostUpdates {
	t.Helper()
	resp, err := http.Get(s.base + "/api/v1/hosts/" + host + "?history=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Updates []struct {
			Package, Installed, Available string
			Source                        string     `json:"source_package"`
			Status                        string     `json:"status"`
			ResolvedAt                    *time.Time `json:"resolved_at"`
		} `json:"updates"`
		Count int `json:"updates_available"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	out := hostUpdates{count: d.Count}
	for _, u := range d.Updates {
		if u.ResolvedAt != nil {
			out.resolved = append(out.resolved, u.Package)
			continue
		}
		if u.Status != "update-available" {
			t.Errorf("open update %s has status %q", u.Package, u.Status)
		}
		out.open = append(out.open, u.Package+" "+u.Installed+" -> "+u.Available+" "+u.Source)
	}
	slices.Sort(out.resolved)
	return out
}

func (s *server) hostsWith(t *testing.T, query string) []string {
	t.Helper()
	resp, err := http.Get(s.base + "/api/v1/hosts?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l struct {
		Hosts []struct{ Hostname string } `json:"hosts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range l.Hosts {
		out = append(out, h.Hostname)
	}
	return out
}

// Package e2e tests the built binaries together: pakiti serve on a loopback
// port with a temporary SQLite file (a fresh PostgreSQL database when
// PAKITI_TEST_POSTGRES is set, see internal/testdb), and pakiti-client sending real
// inventories and this machine's own packages to it.
//
// Each test has its own server, database and temporary files, so tests may
// run in parallel. The few that import whole real data sets (tracker
// snapshots, DSA lists, full Packages indexes) call t.Parallel: most of
// their time is spent in the server and the database, so two of them
// overlap well even on two cores. Tests that measure time (job leases)
// stay serial.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/testdb"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// bins holds the binaries built once for all tests.
var bins struct{ server, client string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pakiti-e2e")
	if err != nil {
		panic(err)
	}
	bins.server = filepath.Join(dir, "pakiti")
	bins.client = filepath.Join(dir, "pakiti-client")
	for out, pkg := range map[string]string{bins.server: "../../cmd/pakiti", bins.client: "../../cmd/pakiti-client"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, b)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running pakiti serve.
type server struct {
	base string // http://127.0.0.1:PORT
	db   string // DSN
}

func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db := testdb.DSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	// No scheduled fetch of the vendors' URLs (tests never touch the
	// network); a test that wants the job says --update-every itself (the
	// last value given wins).
	cmd := exec.CommandContext(ctx, bins.server, append([]string{"serve", "--listen", addr, "--db", db, "--update-every", "0"}, extra...)...)
	logf, _ := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("server log:\n%s", tail(string(b), 40))
		}
	})
	s := &server{base: "http://" + addr, db: db}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer /healthz within 20 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// sharedDir finds ../shared next to the repository (CI lays it there), or
// $PAKITI_SHARED.
func sharedDir(t *testing.T) string {
	t.Helper()
	return testenv.SharedDir(t)
}

type apiPackage struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	Arch          string `json:"arch"`
	Source        string `json:"source"`
	SourceVersion string `json:"source_version"`
}

type apiHost struct {
	Host struct {
		Hostname string `json:"hostname"`
		Site     string `json:"site"`
		OS       string `json:"os"`
		Kernel   string `json:"kernel"`
		Packages int    `json:"packages"`
		Protocol int    `json:"protocol"`
	} `json:"host"`
	Packages []apiPackage     `json:"packages"`
	Reports  []map[string]any `json:"reports"`
}

func (s *server) host(t *testing.T, name string) apiHost {
	t.Helper()
	resp, err := http.Get(s.base + "/api/v1/hosts/" + url.PathEscape(name))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET host %s: %d %s", name, resp.StatusCode, b)
	}
	var h apiHost
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// readReport reads a protocol-5 report file the simple way, independently
// of the server's parser: header keys and package lines.
func readReport(t *testing.T, file string) (map[string]string, []apiPackage) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hdr := map[string]string{}
	var pkgs []apiPackage
	hashes := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "#" {
			hashes++
			continue
		}
		switch hashes {
		case 1:
			k, v, _ := strings.Cut(line, ": ")
			hdr[k] = v
		case 2:
			c := strings.Split(line, "\t")
			if len(c) != 3 {
				t.Fatalf("%s: line %q", file, line)
			}
			pkgs = append(pkgs, apiPackage{Name: c[0], Version: c[1], Arch: c[2]})
		}
	}
	return hdr, pkgs
}

func sortPkgs(p []apiPackage) {
	sort.Slice(p, func(i, j int) bool {
		a, b := p[i], p[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Arch < b.Arch
	})
}

func runClient(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(bins.client, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pakiti-client %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestRealInventories sends every real inventory's report with
// pakiti-client --input and checks that the server holds exactly its packages.
func TestRealInventories(t *testing.T) {
	shared := sharedDir(t)
	files, err := filepath.Glob(filepath.Join(shared, "data", "inventories", "*", "*", "*.pakiti5.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no inventories: %v", err)
	}
	s := startServer(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			hdr, want := readReport(t, file)
			runClient(t, "--url", s.base+"/feed/", "--input", file)
			h := s.host(t, strings.Fields(hdr["host"])[0])
			if h.Host.Site != hdr["site"] || h.Host.OS != hdr["system"] || h.Host.Kernel != hdr["kernel"] {
				t.Errorf("host facts %+v, report header %v", h.Host, hdr)
			}
			if h.Host.Packages != len(want) {
				t.Errorf("host says %d packages, report has %d", h.Host.Packages, len(want))
			}
			sortPkgs(want)
			sortPkgs(h.Packages)
			if diff := cmp.Diff(want, h.Packages); diff != "" {
				t.Errorf("stored packages differ from the report (-report +stored):\n%s", diff)
			}
		})
	}
	// --input with --site rewrites the site; re-sending is "unchanged".
	file := files[0]
	hdr, _ := readReport(t, file)
	name := strings.Fields(hdr["host"])[0]
	runClient(t, "--url", s.base+"/pakiti/feed/", "--input", file, "--site", "MOVED")
	if h := s.host(t, name); h.Host.Site != "MOVED" || len(h.Reports) != 2 {
		t.Errorf("after --site MOVED: site %q, %d history records", h.Host.Site, len(h.Reports))
	}
	runClient(t, "--url", s.base+"/feed", "--input", file, "--site", "MOVED")
	if h := s.host(t, name); len(h.Reports) != 2 || h.Reports[0]["count"] != 2.0 {
		t.Errorf("unchanged re-send: history %v", h.Reports)
	}
}

// dpkgPackages lists this machine's installed packages with dpkg-query.
func dpkgPackages(t *testing.T) []apiPackage {
	t.Helper()
	out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n").Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	var pkgs []apiPackage
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c := strings.Split(line, "\t")
		if strings.TrimSpace(c[0]) != "ii" {
			continue
		}
		pkgs = append(pkgs, apiPackage{Name: c[1], Version: c[2], Arch: c[3], Source: c[4], SourceVersion: c[5]})
	}
	return pkgs
}

// TestLiveMachine collects this machine (dpkg) with pakiti-client and
// compares what the server stored with dpkg-query's own answer.
func TestLiveMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("linux only")
	}
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		testenv.Skip(t, "not a dpkg machine (no dpkg-query)")
	}
	s := startServer(t)
	want := dpkgPackages(t)
	for _, tc := range []struct {
		proto      string
		host       string
		withSource bool
	}{{"6", "live6.example.org", true}, {"5", "live5.example.org", false}} {
		t.Run("protocol "+tc.proto, func(t *testing.T) {
			runClient(t, "--url", s.base+"/feed/", "--site", "LIVE", "--host", tc.host, "--protocol", tc.proto)
			h := s.host(t, tc.host)
			if h.Host.Site != "LIVE" || h.Host.Kernel == "" || h.Host.OS == "" {
				t.Errorf("host %+v", h.Host)
			}
			w := append([]apiPackage(nil), want...)
			if !tc.withSource {
				for i := range w {
					w[i].Source, w[i].SourceVersion = "", ""
				}
			}
			sortPkgs(w)
			sortPkgs(h.Packages)
			if diff := cmp.Diff(w, h.Packages); diff != "" {
				t.Errorf("stored packages differ from dpkg-query (-dpkg +stored):\n%s", diff)
			}
		})
	}
}

// TestClientErrors checks that the client exits non-zero with the server's
// reason on one line.
func TestClientErrors(t *testing.T) {
	s := startServer(t)
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("#\nhost: h\n#\nonly-two\tfields\n#\n"), 0o644)
	cmd := exec.Command(bins.client, "--url", s.base+"/feed/", "--input", bad)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("client succeeded on a bad report: %s", out)
	}
	if !strings.Contains(string(out), "ERROR: line 4: package line has 2 fields") {
		t.Errorf("client output does not name the reason: %q", out)
	}
}

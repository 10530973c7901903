package e2e

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// finding is the part of an API finding the expectations name.
type finding struct {
	Package string `json:"package"`
	CVE     string `json:"cve"`
	Fixed   string `json:"fixed"`
	Status  string `json:"vendor_status"` // the vendor's status (the API's "status" is the finding's since issue 11)
	Advisor string `json:"advisory"`
	Basis   string `json:"basis"`
}

// The expectations below are written by hand from the real tracker data,
// not computed by the matcher: each line names the record it comes from.
//
// viking-db (shared/data/inventories/debian-11/viking-db, protocol 5, so
// binaries map to sources through the bullseye Packages index):
var vikingV1 = []finding{
	// DSA-5286-1 krb5 {CVE-2022-42898} [bullseye] - krb5 1.18.3-6+deb11u3; installed 1.18.3-6+deb11u2
	{"libgssapi-krb5-2", "CVE-2022-42898", "1.18.3-6+deb11u3", "fixed", "DSA-5286-1", "packages-index"},
	{"libk5crypto3", "CVE-2022-42898", "1.18.3-6+deb11u3", "fixed", "DSA-5286-1", "packages-index"},
	{"libkrb5-3", "CVE-2022-42898", "1.18.3-6+deb11u3", "fixed", "DSA-5286-1", "packages-index"},
	{"libkrb5support0", "CVE-2022-42898", "1.18.3-6+deb11u3", "fixed", "DSA-5286-1", "packages-index"},
	// DSA-5305-1 libksba {CVE-2022-47629} [bullseye] - libksba 1.5.0-3+deb11u2; installed libksba8 1.5.0-3+deb11u1
	{"libksba8", "CVE-2022-47629", "1.5.0-3+deb11u2", "fixed", "DSA-5305-1", "packages-index"},
	// DSA-5271-1 libxml2 {CVE-2022-40303 CVE-2022-40304} [bullseye] - libxml2 2.9.10+dfsg-6.7+deb11u3
	{"libxml2", "CVE-2022-40303", "2.9.10+dfsg-6.7+deb11u3", "fixed", "DSA-5271-1", "packages-index"},
	{"libxml2", "CVE-2022-40304", "2.9.10+dfsg-6.7+deb11u3", "fixed", "DSA-5271-1", "packages-index"},
}

// After the update: DSA-5271-1 withdrawn (libxml2 resolved); DSA-5343-1
// (07 Feb 2023) and DSA-5349-1 (14 Feb 2023), both after the v1 cut (1 Feb
// 2023), newly fixed.
var vikingV2 = append(vikingV1[:5:5],
	// DSA-5349-1 gnutls28 {CVE-2023-0361} [bullseye] - gnutls28 3.7.1-5+deb11u3; installed libgnutls30 3.7.1-5+deb11u2
	finding{"libgnutls30", "CVE-2023-0361", "3.7.1-5+deb11u3", "fixed", "DSA-5349-1", "packages-index"},
	// DSA-5343-1 openssl {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286}
	//   [bullseye] - openssl 1.1.1n-0+deb11u4; installed libssl1.1 and openssl 1.1.1n-0+deb11u3
	finding{"libssl1.1", "CVE-2022-2097", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"libssl1.1", "CVE-2022-4304", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"libssl1.1", "CVE-2022-4450", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"libssl1.1", "CVE-2023-0215", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"libssl1.1", "CVE-2023-0286", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"openssl", "CVE-2022-2097", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"openssl", "CVE-2022-4304", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"openssl", "CVE-2022-4450", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"openssl", "CVE-2023-0215", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
	finding{"openssl", "CVE-2023-0286", "1.1.1n-0+deb11u4", "fixed", "DSA-5343-1", "packages-index"},
)

// bullseye-p6 (testdata/bullseye-p6.report, protocol 6, running kernel
// 5.10.0-20-amd64), the same before and after the update:
var p6Want = func() []finding {
	f := []finding{
		// tracker JSON (vuls-data-update_advisory.json): 389-ds-base CVE-2016-5416 bullseye "open",
		// nodsa "Minor issue", nodsa_reason "ignored": affected, will not be fixed. CVE-2012-0833 is
		// fixed_version "0" (never affected) and CVE-2016-5405 fixed in 1.3.5.15-1 < 1.4.4.11-2: no finding.
		{"389-ds-base", "CVE-2016-5416", "", "will-not-fix", "", "report"},
		// tracker JSON (vulnerablecode_debian.json): atomicparsley CVE-2021-37231/37232 bullseye "open"
		// (nodsa "Minor issue", no reason): affected, no fix yet.
		{"atomicparsley", "CVE-2021-37231", "", "affected", "", "report"},
		{"atomicparsley", "CVE-2021-37232", "", "affected", "", "report"},
		// DSA-5279-1 wordpress {CVE-2022-43497 CVE-2022-43500 CVE-2022-43504} [bullseye] - wordpress 5.7.8+dfsg1-0+deb11u1
		{"wordpress", "CVE-2022-43497", "5.7.8+dfsg1-0+deb11u1", "fixed", "DSA-5279-1", "report"},
		{"wordpress", "CVE-2022-43500", "5.7.8+dfsg1-0+deb11u1", "fixed", "DSA-5279-1", "report"},
		{"wordpress", "CVE-2022-43504", "5.7.8+dfsg1-0+deb11u1", "fixed", "DSA-5279-1", "report"},
		// [17 Nov 2022] DSA-5279-2 wordpress - security update (no CVE line) [bullseye] - wordpress 5.7.8+dfsg1-0+deb11u2
		{"wordpress", "DSA-5279-2", "5.7.8+dfsg1-0+deb11u2", "fixed", "DSA-5279-2", "report"},
		// (tracker JSON wordpress TEMP-0000000-0CA7E3 bullseye fixed_version "0": no finding.)
	}
	// DSA-5324-1 linux (13 CVEs) [bullseye] - linux 5.10.162-1: the running image 5.10.158-2 is
	// older. The image 5.10.0-19 (not running) and linux-libc-dev are not counted.
	for _, c := range strings.Fields("CVE-2022-2873 CVE-2022-3545 CVE-2022-3623 CVE-2022-4696 CVE-2022-36280 " +
		"CVE-2022-41218 CVE-2022-45934 CVE-2022-47929 CVE-2023-0179 CVE-2023-0266 CVE-2023-0394 CVE-2023-23454 CVE-2023-23455") {
		f = append(f, finding{"linux-image-5.10.0-20-amd64", c, "5.10.162-1", "fixed", "DSA-5324-1", "report"})
	}
	return f
}()

func sortFindings(f []finding) {
	sort.Slice(f, func(i, j int) bool {
		if f[i].Package != f[j].Package {
			return f[i].Package < f[j].Package
		}
		return f[i].CVE < f[j].CVE
	})
}

type hostFindings struct {
	Host struct {
		Evaluated          bool   `json:"evaluated"`
		OSGroup            string `json:"os_group"`
		CVEs               int    `json:"cves"`
		VulnerablePackages int    `json:"vulnerable_packages"`
	} `json:"host"`
	Findings []struct {
		finding
		ResolvedAt *time.Time `json:"resolved_at"`
	} `json:"findings"`
	IdleKernels []struct {
		Package, Version string
		CVEs             int
	} `json:"idle_kernels"`
	Packages []struct {
		Name    string `json:"name"`
		Matched *struct {
			Source, Version, Basis string
		} `json:"matched"`
	} `json:"packages"`
}

func (s *server) findings(t *testing.T, host string, history bool) hostFindings {
	t.Helper()
	u := s.base + "/api/v1/hosts/" + url.PathEscape(host)
	if history {
		u += "?history=1"
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h hostFindings
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func open(h hostFindings) []finding {
	var out []finding
	for _, f := range h.Findings {
		if f.ResolvedAt == nil {
			out = append(out, f.finding)
		}
	}
	sortFindings(out)
	return out
}

// dsaSnapshot writes the real DSA list cut at a date (entries dated after
// it dropped: the list as it stood then) and without the entries named in
// drop (a withdrawn advisory).
func dsaSnapshot(t *testing.T, shared, path string, cut time.Time, drop ...string) {
	t.Helper()
	f, err := os.Open(filepath.Join(shared, "data/feeds/debian/DSA-list.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	head := regexp.MustCompile(`^\[(\d\d \w{3} \d{4})\] (DSA-\S+)`)
	keep := true
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if m := head.FindStringSubmatch(sc.Text()); m != nil {
			d, err := time.Parse("02 Jan 2006", m[1])
			if err != nil {
				t.Fatal(err)
			}
			keep = !d.After(cut)
			for _, id := range drop {
				keep = keep && m[2] != id
			}
		}
		if keep {
			io.WriteString(out, sc.Text()+"\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func runPakiti(t *testing.T, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bins.server, append(args, "--db", db)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pakiti %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestDebianEndToEnd: real Debian data imported with pakiti import, real
// inventories reported through /feed/ (protocol 5 and 6), findings read
// from the API and compared with the hand-written expectations above;
// then a data update re-evaluates without any report being re-sent.
func TestDebianEndToEnd(t *testing.T) {
	t.Parallel() // one of the slow imports of real data: they overlap (e2e_test.go)
	shared := sharedDir(t)
	s := startServer(t)
	dir := t.TempDir()
	feeds := filepath.Join(shared, "data/feeds/debian")
	v1, v2 := filepath.Join(dir, "DSA-list-2023-02-01"), filepath.Join(dir, "DSA-list-2023-03-29")
	dsaSnapshot(t, shared, v1, time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC))
	dsaSnapshot(t, shared, v2, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), "DSA-5271-1")
	common := []string{
		filepath.Join(feeds, "tracker-json-excerpts/vuls-data-update_advisory.json"),
		filepath.Join(feeds, "tracker-json-excerpts/vulnerablecode_debian.json"),
		filepath.Join(feeds, "apt-bullseye/bullseye_main_binary-amd64_Packages.gz"),
		filepath.Join(feeds, "apt-bullseye/bullseye-security_main_binary-amd64_Packages.gz"),
	}

	// Reports arrive before any data: the hosts are "not evaluated".
	viking := filepath.Join(shared, "data/inventories/debian-11/viking-db/viking-db.pakiti5.txt")
	runClient(t, "--url", s.base+"/feed/", "--input", viking)
	if h := s.findings(t, "inv-debian11-a.example.org", false); h.Host.Evaluated || h.Host.OSGroup != "debian:11" {
		t.Fatalf("before any import: evaluated %v, group %q; want not evaluated, debian:11", h.Host.Evaluated, h.Host.OSGroup)
	}

	runPakiti(t, s.db, append([]string{"import", "--source", "debian", v1}, common...)...)
	p6, err := os.ReadFile("testdata/bullseye-p6.report")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.base+"/feed/?protocol=6&mode=store-and-report&cves=all", "text/plain", strings.NewReader(string(p6)))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	check := func(stage string, host string, want []finding) hostFindings {
		t.Helper()
		h := s.findings(t, host, true)
		got := open(h)
		w := append([]finding(nil), want...)
		sortFindings(w)
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s: %s findings (-want +got):\n%s", stage, host, diff)
		}
		if !h.Host.Evaluated {
			t.Errorf("%s: %s not evaluated", stage, host)
		}
		return h
	}
	check("v1", "inv-debian11-a.example.org", vikingV1)
	h := check("v1", "bullseye-p6.example.org", p6Want)

	// The store-and-report answer lists the same findings.
	lines := strings.Split(strings.TrimSpace(string(answer)), "\n")
	if lines[0] != "OK" || len(lines)-1 != len(p6Want) {
		t.Errorf("store-and-report answer: first line %q, %d finding lines, want OK and %d", lines[0], len(lines)-1, len(p6Want))
	}
	if !strings.Contains(string(answer), "linux-image-5.10.0-20-amd64\t5.10.158-2\tamd64\tCVE-2023-0266\t\n") {
		t.Errorf("store-and-report answer lacks the running kernel's CVE-2023-0266:\n%s", answer)
	}
	// The image not running is listed with its exposure, not counted:
	// 5.10.149-2 < 5.10.162-1 (DSA-5324-1, 13 CVEs); DSA-5257-2's 5.10.149-2 is installed.
	if len(h.IdleKernels) != 1 || h.IdleKernels[0].Package != "linux-image-5.10.0-19-amd64" || h.IdleKernels[0].CVEs != 13 {
		t.Errorf("idle kernels %+v, want linux-image-5.10.0-19-amd64 with 13 CVEs", h.IdleKernels)
	}
	// The binNMU coreutils 8.32-4+b1 is matched as its source, coreutils 8.32-4.
	for _, p := range h.Packages {
		if p.Name == "coreutils" && (p.Matched == nil || p.Matched.Source != "coreutils" || p.Matched.Version != "8.32-4") {
			t.Errorf("coreutils 8.32-4+b1 matched as %+v, want source coreutils 8.32-4", p.Matched)
		}
	}

	// Data update, no report re-sent.
	runPakiti(t, s.db, append([]string{"import", "--source", "debian", v2}, common...)...)
	hv := check("v2", "inv-debian11-a.example.org", vikingV2)
	check("v2", "bullseye-p6.example.org", p6Want)
	resolved := map[string]bool{}
	for _, f := range hv.Findings {
		if f.ResolvedAt != nil {
			resolved[f.Package+" "+f.CVE] = true
		}
	}
	if diff := cmp.Diff(map[string]bool{"libxml2 CVE-2022-40303": true, "libxml2 CVE-2022-40304": true}, resolved); diff != "" {
		t.Errorf("resolved findings kept in history (-want +got):\n%s", diff)
	}

	// report-only evaluates without storing.
	ro := strings.Replace(string(p6), "bullseye-p6.example.org", "report-only.example.org", 1)
	resp, err = http.Post(s.base+"/feed/?protocol=6&mode=report-only&cves=all", "text/plain", strings.NewReader(ro))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := strings.Count(string(answer), "\n") - 1; n != len(p6Want) {
		t.Errorf("report-only answer has %d finding lines, want %d:\n%s", n, len(p6Want), answer)
	}
	if r, _ := http.Get(s.base + "/api/v1/hosts/report-only.example.org"); r.StatusCode != 404 {
		t.Errorf("report-only stored the host: %d", r.StatusCode)
	}

	// The CVE API names the affected hosts; the CLI agrees.
	var cve struct {
		Hosts []struct{ Hostname, Package string } `json:"hosts"`
	}
	r, err := http.Get(s.base + "/api/v1/cves/CVE-2023-0286")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(r.Body).Decode(&cve)
	r.Body.Close()
	if len(cve.Hosts) != 2 || cve.Hosts[0].Hostname != "inv-debian11-a.example.org" {
		t.Errorf("CVE-2023-0286 hosts: %+v, want libssl1.1 and openssl of inv-debian11-a", cve.Hosts)
	}
	if out := runPakiti(t, s.db, "hosts", "--cve", "CVE-2022-43497", "--format", "csv"); !strings.Contains(out, "bullseye-p6.example.org") || strings.Contains(out, "inv-debian11") {
		t.Errorf("pakiti hosts --cve CVE-2022-43497:\n%s", out)
	}
}

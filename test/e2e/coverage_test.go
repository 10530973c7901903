package e2e

import (
	"bufio"
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
)

type dataHost struct {
	Host struct {
		Evaluated   bool   `json:"evaluated"`
		CVEs        int    `json:"cves"`
		DataState   string `json:"data_state"`
		DataReason  string `json:"data_reason"`
		DataSources []struct {
			Source   string `json:"source"`
			OSGroup  string `json:"os_group"`
			Complete bool   `json:"complete"`
		} `json:"data_sources"`
	} `json:"host"`
}

func (s *server) dataHost(t *testing.T, name string) dataHost {
	t.Helper()
	resp, err := http.Get(s.base + "/api/v1/hosts/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h dataHost
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func (s *server) readyz(t *testing.T) (int, string) {
	t.Helper()
	resp, err := http.Get(s.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// completeTrackerJSON writes a tracker JSON that names bookworm for as
// many source packages as the whole export does. The real export (60–90
// MB) is not in the shared data, so this one is CONSTRUCTED: the real
// excerpt vunnel_debian.json, plus one filler entry per real bookworm
// source package (names from the real bookworm_main_source_Sources.gz,
// the first 600), each under the made-up id TEMP-0000000-000000 with
// status not-affected ("resolved", fixed_version "0"), so that the filler
// gives no finding and no verdict about a real CVE.
func completeTrackerJSON(t *testing.T, shared, path string) {
	t.Helper()
	excerpt, err := os.ReadFile(filepath.Join(shared, "data/feeds/debian/tracker-json-excerpts/vunnel_debian.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(excerpt, &doc); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(shared, "data/feeds/debian/apt-bookworm/bookworm_main_source_Sources.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	filler := `{"TEMP-0000000-000000": {"description": "constructed filler (pakiti e2e)", "scope": "local", ` +
		`"releases": {"bookworm": {"status": "resolved", "repositories": {"bookworm": "0"}, "fixed_version": "0", "urgency": "not yet assigned"}}}}`
	for n := 0; sc.Scan() && n < 600; {
		if name, ok := strings.CutPrefix(sc.Text(), "Package: "); ok {
			if _, real := doc[name]; !real {
				doc[name] = json.RawMessage(filler)
				n++
			}
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDataStatesEndToEnd: a Debian 12 host reported through /feed/ is
// partial with only an excerpt, complete with a tracker JSON that lists
// bookworm, stale when the last check is old (and /readyz fails); and
// importing DSA, DLA, then DSA again keeps the DLA list's records.
func TestDataStatesEndToEnd(t *testing.T) {
	t.Parallel() // one of the slow imports of real data: they overlap (e2e_test.go)
	shared := sharedDir(t)
	s := startServer(t, "--update-every", "0") // no fetch of the vendors' URLs: this machine may be offline
	feeds := filepath.Join(shared, "data/feeds/debian")
	inv := filepath.Join(shared, "data/inventories/debian-12/langflow-backend-image/langflow-backend-image.pakiti5.txt")
	runClient(t, "--url", s.base+"/feed/", "--input", inv)
	const host = "inv-debian12-a.example.org"
	if h := s.dataHost(t, host); h.Host.Evaluated || h.Host.DataState != "none" {
		t.Errorf("before any data: evaluated %v, state %q; want not evaluated, none", h.Host.Evaluated, h.Host.DataState)
	}

	// Only an excerpt: chromium, sope (bookworm) and others; the host has
	// none of them: no finding, but partial, never clean.
	excerpt := filepath.Join(feeds, "tracker-json-excerpts/vunnel_debian.json")
	out := runPakiti(t, s.db, "import", "--source", "debian", excerpt)
	if !strings.Contains(out, "tracker-json: ") || !strings.Contains(out, "complete for nothing") || !strings.Contains(out, excerpt) {
		t.Errorf("import output does not say what is in force:\n%s", out)
	}
	h := s.dataHost(t, host)
	if !h.Host.Evaluated || h.Host.CVEs != 0 || h.Host.DataState != "partial" || !strings.Contains(h.Host.DataReason, "no source covers debian:12 completely") {
		t.Errorf("excerpt only: %+v; want evaluated, 0 CVEs, partial", h.Host)
	}
	page := get200(t, s.base+"/hosts/"+host)
	if !strings.Contains(page, "no finding does not mean no vulnerabilities") || strings.Contains(page, "No known vulnerability affects") {
		t.Errorf("host page of a partial host claims it clean")
	}

	// A tracker JSON that lists bookworm completely.
	full := filepath.Join(t.TempDir(), "json")
	completeTrackerJSON(t, shared, full)
	runPakiti(t, s.db, "import", "--source", "debian", full)
	// Complete data, but this protocol-5 host's binaries were matched by
	// name (no Packages index of bookworm yet, no protocol-6 host):
	// partial, with the reason, on the API and in the CSV.
	h = s.dataHost(t, host)
	const noMap = "no binary -> source map for debian:12: 140 of the 140 packages of this protocol-5 report were matched by their binary name"
	if h.Host.DataState != "partial" || !strings.Contains(h.Host.DataReason, noMap) {
		t.Errorf("complete tracker JSON, no Packages index: %+v; want partial, %s", h.Host, noMap)
	}
	if csvOut := runPakiti(t, s.db, "hosts", "--format", "csv"); !strings.Contains(csvOut, `,partial,"`+noMap) {
		t.Errorf("hosts CSV lacks the partial state of the unmapped host:\n%s", csvOut)
	}
	// The group's views say so too: the listing's data_state filter (what
	// status=clean and the dashboard's counts read) puts the host under
	// partial, not complete.
	listed := func(query string) bool {
		return strings.Contains(get200(t, s.base+"/api/v1/hosts?"+query), `"`+host+`"`)
	}
	if listed("data_state=complete") || !listed("data_state=partial") {
		t.Errorf("hosts filtered by data state: complete %v, partial %v; want the unmapped host partial only",
			listed("data_state=complete"), listed("data_state=partial"))
	}
	// The real bookworm main index maps them (the import re-evaluates).
	bookworm := filepath.Join(feeds, "apt-bookworm/bookworm_main_binary-amd64_Packages.gz")
	runPakiti(t, s.db, "import", "--source", "debian", bookworm)
	h = s.dataHost(t, host)
	if h.Host.DataState != "complete" || h.Host.DataReason != "" || len(h.Host.DataSources) != 1 || !h.Host.DataSources[0].Complete {
		t.Errorf("complete tracker JSON: %+v; want complete", h.Host)
	}
	if !listed("data_state=complete") || listed("data_state=partial") {
		t.Errorf("mapped host: not listed under data_state=complete alone")
	}
	if code, body := s.readyz(t); code != 200 {
		t.Errorf("readyz with current data: %d %s", code, body)
	}

	// The same data, last checked three days ago: stale, and not ready.
	old := time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339)
	runPakiti(t, s.db, "import", "--source", "debian", "--force", "--as-of", old, full)
	h = s.dataHost(t, host)
	if h.Host.DataState != "stale" || !strings.Contains(h.Host.DataReason, "debian data of debian:12 last checked "+old) {
		t.Errorf("old check: %+v; want stale since %s", h.Host, old)
	}
	if code, body := s.readyz(t); code != 503 || !strings.Contains(body, "source debian is stale: last checked "+old) {
		t.Errorf("readyz with stale data: %d %s", code, body)
	}
	csvOut := runPakiti(t, s.db, "hosts", "--format", "csv")
	if !strings.Contains(csvOut, ",stale,debian data of debian:12 last checked") {
		t.Errorf("hosts CSV lacks the stale state:\n%s", csvOut)
	}

	// DSA, then DLA, then DSA again: the DLA list's records stay.
	dsa, dla := filepath.Join(feeds, "DSA-list.txt.gz"), filepath.Join(feeds, "DLA-list.txt.gz")
	for _, f := range []string{dsa, dla, dsa} {
		runPakiti(t, s.db, "import", "--source", "debian", "--force", f)
	}
	// Every registered source is listed by name with every location it
	// reads (its plan and what is in force); debian's parts say which.
	var list struct {
		Sources []struct {
			Name       string   `json:"name"`
			Source     string   `json:"source"`
			State      string   `json:"state"`
			Locations  []string `json:"locations"`
			NextUpdate []string `json:"next_update"`
			Parts      []struct {
				Part      string   `json:"part"`
				Locations []string `json:"locations"`
			} `json:"parts"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(runPakiti(t, s.db, "sources", "list", "--format", "json")), &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, src := range list.Sources {
		if src.Name != "debian" {
			continue
		}
		found = true
		got := map[string][]string{}
		for _, p := range src.Parts {
			got[p.Part] = p.Locations
		}
		want := map[string][]string{"dla-list": {dla}, "dsa-list": {dsa}, "tracker-json": {full}}
		if diff := cmp.Diff(want, got); diff != "" || src.Source != "debian" || src.State != "current" {
			t.Errorf("debian in sources list: %+v; parts (-want +got):\n%s", src, diff)
		}
		// Only the locations in force: not also the default URLs the
		// next update would read (they are in next_update).
		inForce := []string{dla, dsa, full, bookworm}
		slices.Sort(inForce)
		if diff := cmp.Diff(inForce, src.Locations); diff != "" {
			t.Errorf("debian's locations (-in force +listed):\n%s", diff)
		}
		if !slices.Contains(src.NextUpdate, "https://security-tracker.debian.org/tracker/data/json") {
			t.Errorf("debian's next update %q lacks the tracker JSON URL", src.NextUpdate)
		}
	}
	if !found {
		t.Errorf("sources list has no debian: %+v", list)
	}
	// DLA-3380-1 firmware-nonfree {... CVE-2022-21181 ...} [buster] - firmware-nonfree 20190114+really20220913-0+deb10u1
	var cve struct {
		Records []struct {
			OSGroup  string `json:"os_group"`
			Package  string `json:"package"`
			Fixed    string `json:"fixed_version"`
			Advisory string `json:"advisory"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(get200(t, s.base+"/api/v1/cves/cve-2022-21181")), &cve); err != nil {
		t.Fatal(err)
	}
	found = false
	for _, r := range cve.Records {
		found = found || (r.Advisory == "DLA-3380-1" && r.OSGroup == "debian:10" && r.Package == "firmware-nonfree" &&
			r.Fixed == "20190114+really20220913-0+deb10u1")
	}
	if !found {
		t.Errorf("DLA-3380-1's record of CVE-2022-21181 is gone after DSA, DLA, DSA: %+v", cve.Records)
	}
}

func get200(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

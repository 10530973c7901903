package web

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHostReportsColumn: a host's #reports (every report it sent,
// unchanged re-sends too) on the hosts page (a sortable column), in the
// API (field reports, sort=reports), as the CSV export's last column and
// on the host page. old.example.org sends its report three times (the
// second and third are unchanged: the touch path), fixed.example.org
// once.
func TestHostReportsColumn(t *testing.T) {
	srv, _ := newStoreServer(t)
	for range 3 {
		post(t, srv.URL, "5", repOld)
	}
	post(t, srv.URL, "5", repFixed)

	type row struct {
		Hostname string `json:"hostname"`
		Reports  int    `json:"reports"`
	}
	for sort, want := range map[string][]row{
		"reports":  {{"fixed.example.org", 1}, {"old.example.org", 3}},
		"-reports": {{"old.example.org", 3}, {"fixed.example.org", 1}},
	} {
		code, _, body := get(t, srv.URL+"/api/v1/hosts?sort="+sort)
		if code != 200 {
			t.Fatalf("sort=%s: %d %s", sort, code, body)
		}
		var got struct{ Hosts []row }
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got.Hosts); diff != "" {
			t.Errorf("sort=%s (-want +got):\n%s", sort, diff)
		}
	}

	// CSV: the columns scripts parse keep their places; reports is last.
	code, _, body := get(t, srv.URL+"/api/v1/hosts?format=csv&sort=hostname")
	if code != 200 {
		t.Fatalf("csv: %d %s", code, body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"hostname", "site", "tag", "os", "os_group", "arch", "kernel", "packages",
		"vulnerable_packages", "cves", "advisory_findings", "data_state", "data_reason", "last_report", "reports"}
	if diff := cmp.Diff(wantHeader, rows[0]); diff != "" {
		t.Errorf("CSV header (-want +got):\n%s", diff)
	}
	var got [][2]string
	for _, r := range rows[1:] {
		got = append(got, [2]string{r[0], r[len(r)-1]})
	}
	if diff := cmp.Diff([][2]string{{"fixed.example.org", "1"}, {"old.example.org", "3"}}, got); diff != "" {
		t.Errorf("CSV reports (-want +got):\n%s", diff)
	}

	// The page: the column, its sort link and indicator, the counts.
	_, _, page := get(t, srv.URL+"/hosts?sort=-reports")
	for _, s := range []string{
		`<a href="/hosts?sort=reports">Reports <span class="arrow" aria-hidden="true">▼</span></a>`,
		`<td class="num">3</td>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("/hosts?sort=-reports lacks %s", s)
		}
	}
	if i, j := strings.Index(page, "/hosts/old.example.org"), strings.Index(page, "/hosts/fixed.example.org"); i < 0 || j < i {
		t.Errorf("/hosts?sort=-reports: old.example.org (3 reports) not listed before fixed.example.org (1)")
	}
	_, _, page = get(t, srv.URL+"/hosts")
	if !strings.Contains(page, `<a href="/hosts?sort=-reports">Reports</a>`) {
		t.Errorf("/hosts: the Reports column does not sort most first on its first click")
	}
	_, _, page = get(t, srv.URL+"/hosts/old.example.org")
	if !strings.Contains(page, `<dt>Reports</dt><dd id="reports" title="every report received; the report history keeps fewer">3</dd>`) {
		t.Errorf("host page lacks its #reports (3)")
	}
	code, _, body = get(t, srv.URL+"/api/v1/hosts/old.example.org")
	var d struct {
		Host row `json:"host"`
	}
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil || d.Host.Reports != 3 {
		t.Errorf("host API: %d %v reports %d, want 3", code, err, d.Host.Reports)
	}
	code, _, body = get(t, srv.URL+"/api/v1/hosts?sort=report")
	if code != 400 || !strings.Contains(body, "reports") {
		t.Errorf("sort=report: %d %s, want 400 naming the sorts", code, body)
	}
}

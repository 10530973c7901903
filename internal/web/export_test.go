package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExportWholeView posts more hosts than the API's default page
// (store.DefaultLimit, 100) and checks that the CSV and JSON exports, and
// the hosts page's links to them, carry every host of the filtered view.
func TestExportWholeView(t *testing.T) {
	srv := newTestServer(t) // 3 hosts, 1 of them in SITE-B
	const extra = 150
	want := []string{"old.example.org"}
	for i := range extra {
		name := fmt.Sprintf("x%03d.example.org", i)
		want = append(want, name)
		r := "#\nhost: " + name + "\nsite: SITE-B\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n"
		resp, err := http.Post(srv.URL+"/feed/?protocol=5", "text/plain", strings.NewReader(r))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// sort=-hostname: the export keeps the view's order.
	slices.Sort(want)
	slices.Reverse(want)

	for _, q := range []string{"site=SITE-B&sort=-hostname&format=csv", "site=SITE-B&sort=-hostname&format=csv&limit=100&offset=5"} {
		code, _, body := get(t, srv.URL+"/api/v1/hosts?"+q)
		if code != 200 {
			t.Fatalf("%s: %d %s", q, code, body)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: hosts (-want +got):\n%s", q, diff)
		}
	}

	code, _, body := get(t, srv.URL+"/api/v1/hosts?site=SITE-B&sort=-hostname&all=1")
	if code != 200 {
		t.Fatalf("all=1: %d %s", code, body)
	}
	var list struct {
		Hosts []struct {
			Hostname string `json:"hostname"`
		} `json:"hosts"`
		Total int `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("all=1: %v\n%.300s", err, body)
	}
	var got []string
	for _, h := range list.Hosts {
		got = append(got, h.Hostname)
	}
	if diff := cmp.Diff(want, got); diff != "" || list.Total != len(want) {
		t.Errorf("all=1: total %d, hosts (-want +got):\n%s", list.Total, diff)
	}

	// The page shows 100 hosts; its export links do not carry the limit.
	_, _, page := get(t, srv.URL+"/hosts?site=SITE-B")
	if !strings.Contains(page, `href="/api/v1/hosts?format=csv&amp;site=SITE-B"`) ||
		!strings.Contains(page, `href="/api/v1/hosts?all=1&amp;site=SITE-B"`) {
		t.Errorf("export links of /hosts?site=SITE-B are not the whole view")
	}
	if strings.Contains(page, "limit=100") && strings.Contains(page, "format=csv&amp;limit") {
		t.Errorf("CSV link carries a limit")
	}
}

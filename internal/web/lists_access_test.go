package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/store"
)

// csvColumn returns a reader of the values of column name of a CSV body.
func csvColumn(name string) func(*testing.T, string) []string {
	return func(t *testing.T, body string) []string {
		t.Helper()
		rows := readCSV(t, body)
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("no column %s in %q", name, rows[0])
		}
		out := []string{}
		for _, r := range rows[1:] {
			out = append(out, r[i])
		}
		return out
	}
}

// vulnHosts reads /api/v1/cves as the federation's hosts: every host
// runs the same openssl, so CVE-2023-0286 counts the hosts seen, and the
// body must name none.
func vulnHosts(t *testing.T, body string) []string {
	t.Helper()
	var list VulnList
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range list.CVEs {
		if v.CVE == "CVE-2023-0286" {
			n = v.Hosts
		}
	}
	return everyHost[:n] // a count: compared with the hosts seen by number
}

// TestAccessNewListings: the vulnerabilities listing, the package search,
// the old API and the new CSV listings show each user exactly the hosts
// of its sites (the federation of access_test.go).
func TestAccessNewListings(t *testing.T) {
	fs := newFedServer(t)
	if err := fs.st.PutTag(context.Background(), store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "X.400",
		Enabled: true, Author: "csirt", ModifiedAt: time.Date(2023, 2, 8, 10, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	surfaces := []surface{
		{"/api/v1/packages?name=openssl", jsonHosts("matches")},
		{"/api/v1/packages?name=open*&format=csv", csvColumn("hostname")},
		{"/packages?name=openssl", namedHosts},
		{"/api/hosts.php", csvColumn("host")},
		{"/api/hosts.php?tag=EGI-Critical&cveName=CVE-2023-0286", csvColumn("host")},
		{"/pakiti/api/hosts.php?tag=true", csvColumn("host")},
		{"/api/v1/cves", vulnHosts},
		{"/api/v1/cves?tag=EGI-Critical", vulnHosts},
		{"/api/v1/oses", osesHosts},
		{"/oses", namedHosts}, // names no host
		{"/cves", namedHosts}, // names no host
		{"/api/v1/cves?format=csv", namedHosts},
		{"/api/v1/sites?format=csv", func(t *testing.T, body string) []string {
			out := []string{}
			for _, site := range csvColumn("site")(t, body) {
				for h, s := range fedHosts {
					if s == site {
						out = append(out, h)
					}
				}
			}
			return out
		}},
	}
	for _, u := range fedUsers {
		t.Run(u.name, func(t *testing.T) {
			var hidden []string
			for _, h := range everyHost {
				if !slices.Contains(u.sees, h) {
					hidden = append(hidden, h, fedHosts[h])
				}
			}
			for _, s := range surfaces {
				code, body := fs.as(t, u.name, s.path)
				if code != http.StatusOK {
					t.Errorf("%s: %d %.200s", s.path, code, body)
					continue
				}
				want := u.sees
				switch {
				case strings.HasPrefix(s.path, "/cves"), strings.Contains(s.path, "/cves?format=csv"), s.path == "/oses":
					want = []string{}
				case strings.HasPrefix(s.path, "/api/v1/cves"), s.path == "/api/v1/oses":
					want = everyHost[:len(u.sees)]
				}
				got := s.hosts(t, body)
				slices.Sort(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s shows (-want +got):\n%s", s.path, diff)
				}
				for _, name := range hidden {
					if strings.Contains(body, name) && !slices.Contains(u.grants, name) {
						t.Errorf("%s names %q, outside %s's sites", s.path, name, u.name)
					}
				}
			}
			// A host's packages and findings exist only in scope.
			for _, h := range everyHost {
				want := http.StatusNotFound
				if slices.Contains(u.sees, h) {
					want = http.StatusOK
				}
				for _, p := range []string{"/api/v1/hosts/" + h + "/packages", "/api/v1/hosts/" + h + "/findings?format=csv"} {
					if code, body := fs.as(t, u.name, p); code != want {
						t.Errorf("%s: %d, want %d (%.100s)", p, code, want, body)
					}
				}
			}
		})
	}
	// Anonymous: the old API needs a token as the rest does.
	for _, p := range []string{"/api/hosts.php", "/api/cve.php?cve=CVE-2023-0286", "/api/exportCvesTags.php", "/api/v1/cves", "/api/v1/packages?name=openssl"} {
		if code, _, body := fs.call(t, "GET", p, nil, nil); code != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d %.100s", p, code, body)
		}
	}
	for _, p := range []string{"/pakiti/api/hosts.php", "/cves", "/packages?name=openssl"} {
		if code, _, body := fs.call(t, "GET", p, nil, nil); code != http.StatusFound && code != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d %.100s", p, code, body)
		}
	}
}

// osesHosts reads /api/v1/oses as the federation's hosts: the sum of its
// groups' hosts, compared with the hosts seen by number (it names none).
func osesHosts(t *testing.T, body string) []string {
	t.Helper()
	var a OSesAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	n, m := 0, 0
	for _, g := range a.Groups {
		n += g.Hosts
		for _, o := range g.OSes {
			m += o.Hosts
		}
	}
	if n != m {
		t.Errorf("oses: groups count %d hosts, their OS strings %d", n, m)
	}
	return everyHost[:n]
}

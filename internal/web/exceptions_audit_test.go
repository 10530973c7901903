package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestExceptionsAuditCountsExcepted: with the policy applied as pakiti
// serve applies it, the findings an exception covers are written
// excepted, and the exceptions audit (API, CSV, page) still counts them
// (it counted 0). Data: DSA-5343-1 "[bullseye] - openssl
// 1.1.1n-0+deb11u4" (CVE-2023-0286 among five) against openssl
// 1.1.1n-0+deb11u3 on b.example.org; the exception is ours, constructed,
// put before the report so that its evaluation applies it.
func TestExceptionsAuditCountsExcepted(t *testing.T) {
	srv, _ := newPolicyServer(t, nil, []store.Exception{{CVE: "CVE-2023-0286", Package: "openssl", ScopeKind: store.ScopeHost,
		Scope: "b.example.org", Reason: "rebuilt", Author: "alice", CreatedAt: time.Now()}}, nil)
	post(t, srv.URL, "5", "#\nhost: b.example.org\nsite: SITE-A\nsystem: Debian GNU/Linux 11\n#\nopenssl\t1.1.1n-0+deb11u3\tamd64\n#\n")

	// The finding is excepted (else this test proves nothing).
	var fl HostFindingList
	_, _, body := get(t, srv.URL+"/api/v1/hosts/b.example.org/findings?history=1")
	if err := json.Unmarshal([]byte(body), &fl); err != nil {
		t.Fatal(err)
	}
	var excepted []string
	for _, f := range fl.Findings {
		if f.Status == store.StatusExcepted {
			excepted = append(excepted, f.CVE)
		}
	}
	if diff := cmp.Diff([]string{"CVE-2023-0286"}, excepted); diff != "" {
		t.Fatalf("excepted findings (-want +got):\n%s", diff)
	}

	var list ExceptionList
	code, _, body := get(t, srv.URL+"/api/v1/exceptions")
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Exceptions) != 1 {
		t.Fatalf("%d %s", code, body)
	}
	if c := list.Exceptions[0]; c.Hosts != 1 || c.Findings != 1 || !cmp.Equal(c.Sample, []string{"b.example.org"}) {
		t.Errorf("coverage %d hosts, %d findings, %v; want 1, 1, [b.example.org]", c.Hosts, c.Findings, c.Sample)
	}
	_, _, body = get(t, srv.URL+"/api/v1/exceptions?format=csv")
	rows := readCSV(t, body)
	if len(rows) != 2 || rows[1][12] != "1" || rows[1][13] != "1" || rows[1][14] != "b.example.org" {
		t.Errorf("CSV: %v, want hosts 1, findings 1, b.example.org", rows)
	}
	_, _, body = get(t, srv.URL+"/exceptions")
	want := `<td class="num">1</td><td class="num">1</td>
  <td><a href="/hosts/b.example.org">b.example.org</a> </td>`
	if !strings.Contains(body, want) {
		t.Errorf("no %q in /exceptions:\n%s", want, body)
	}
}

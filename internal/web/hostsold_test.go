package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestHostsArchAndOldReport: the hosts page has Pakiti 3's arch column
// (sortable) and shows a last report older than two days in a warning
// colour. The packages are constructed (one line); only the dates matter.
func TestHostsArchAndOldReport(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	for _, h := range []struct {
		name, arch string
		at         time.Time
	}{{"fresh.example.org", "x86_64", now.Add(-47 * time.Hour)}, {"silent.example.org", "aarch64", now.Add(-49 * time.Hour)}} {
		r, err := report.Parse([]byte("#\nhost: "+h.name+"\narch: "+h.arch+"\ntag: "+h.arch+"-nodes\nsite: SITE-A\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n"),
			report.Protocol5, report.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		in := store.Incoming{Host: model.Host{Hostname: h.name, Site: "SITE-A", OS: r.Header.System, Arch: r.Header.Arch, Tag: r.Header.Tag,
			Packager: "dpkg", ReporterAddr: "192.0.2.1", Protocol: 5},
			Packages: r.Packages, SetHash: report.PackageSetHash(r.Packages), HeaderHash: r.Header.HeaderHash(), ReceivedAt: h.at}
		if _, err := st.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(Config{Store: st, Feed: intake.New(st, nil, log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	code, _, body := get(t, srv.URL+"/hosts?sort=arch")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	for _, want := range []string{`<a href="/hosts?sort=-arch">Arch <span class="arrow" aria-hidden="true">▲</span></a>`,
		`<td>aarch64</td>`, `<td>x86_64</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in the page", want)
		}
	}
	// Sorted by arch: aarch64 (silent) first; its last report (49 h) is old, fresh's (47 h) is not.
	silent, fresh := strings.Index(body, "silent.example.org"), strings.Index(body, "fresh.example.org")
	if silent < 0 || fresh < 0 || silent > fresh {
		t.Fatalf("silent at %d, fresh at %d: want silent (aarch64) first", silent, fresh)
	}
	if n := strings.Count(body, `class="old"`); n != 1 || !strings.Contains(body[silent:fresh], `class="old"`) {
		t.Errorf("%d old reports marked, want silent's only", n)
	}
	// The hosts' tag (the report's tag: line) filters the listing, and links to that filter.
	if !strings.Contains(body, `<a href="/hosts?tag=aarch64-nodes">aarch64-nodes</a>`) {
		t.Error("the tag column does not link to the tag's hosts")
	}
	_, _, body = get(t, srv.URL+"/hosts?tag=aarch64-nodes")
	if !strings.Contains(body, "silent.example.org") || strings.Contains(body, "fresh.example.org") || !strings.Contains(body, `name="tag" value="aarch64-nodes"`) {
		t.Errorf("/hosts?tag=aarch64-nodes: want silent only, the filter kept in the form")
	}
}

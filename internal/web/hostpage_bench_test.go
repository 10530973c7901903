package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// BenchmarkHostPage times a host's page and its API answer, over up to
// 200 hosts in turn: p50, p99 and the process's CPU per request. On
// PAKITI_HOSTPAGE_DB, a database bench/fleet kept (hosts of about 1,500
// packages and a thousand findings: the figures that matter), or else on
// the small-host fleet of BenchmarkDashboardFleet.
//
//	PAKITI_HOSTPAGE_DB=sqlite:/tmp/fleet100k.db go test ./internal/web -run '^$' -bench HostPage -benchtime 200x
func BenchmarkHostPage(b *testing.B) {
	ctx := context.Background()
	var st *store.Store
	if dsn := os.Getenv("PAKITI_HOSTPAGE_DB"); dsn != "" {
		var err error
		if st, err = store.Open(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		defer st.Close()
	} else {
		st = benchFleet(b)
	}
	hosts, _, err := st.ListHosts(ctx, store.AllSites(), store.HostFilter{Limit: 200})
	if err != nil || len(hosts) == 0 {
		b.Fatalf("hosts: %v (%d)", err, len(hosts))
	}
	h, err := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Feed: http.NotFoundHandler()})
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct{ name, prefix string }{{"page", "/hosts/"}, {"api", "/api/v1/hosts/"}} {
		b.Run(p.name, func(b *testing.B) {
			var ds []time.Duration
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				name := hosts[i%len(hosts)].Hostname
				i++
				t := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.prefix+url.PathEscape(name), nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s%s: %d", p.prefix, name, rec.Code)
				}
				ds = append(ds, time.Since(t))
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

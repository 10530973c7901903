package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// measurePages serves the host page and the host API of hosts in
// process (no network) n times each and prints their wall p50/p99 and
// the process's CPU time per request (user + system, getrusage), which
// a loaded machine inflates far less than wall time. With prof, the
// requests run under a CPU profile written there.
func measurePages(st *store.Store, hosts []string, n int, prof string) error {
	h, err := web.New(web.Config{Store: st, Feed: http.NotFoundHandler(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, p := range []struct{ name, prefix string }{{"host page", "/hosts/"}, {"host API", "/api/v1/hosts/"}} {
		get := func(i int) (int, int) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.prefix+url.PathEscape(hosts[i%len(hosts)]), nil))
			return rec.Code, rec.Body.Len()
		}
		get(0) // warm: templates, prepared statements
		var lat []time.Duration
		bytes := 0
		cpu0 := cpuTime()
		for i := range n {
			t := time.Now()
			code, b := get(i * 7919)
			if code != http.StatusOK {
				return fmt.Errorf("%s %s: %d", p.name, hosts[i*7919%len(hosts)], code)
			}
			lat = append(lat, time.Since(t))
			bytes += b
		}
		cpu := cpuTime() - cpu0
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		fmt.Printf("%-10s p50 %7.1f ms  p99 %7.1f ms  CPU %6.1f ms/request  %d KB/answer (%d requests)\n", p.name,
			ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), ms(cpu)/float64(n), bytes/n/1024, n)
	}
	return nil
}

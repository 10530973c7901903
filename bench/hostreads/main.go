// Command hostreads times the store reads behind a host's page and API
// and the hosts listing filtered by CVE, on an existing database (one a
// bench/fleet run kept), to tell where a page's time goes. With
// -listings N it times the hosts listing's cases instead (ListHosts:
// orders, deep page, filters), with -pages M the hosts pages over HTTP
// too, wall and CPU time per call; -pages M alone serves the host page
// and the host API instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

func main() {
	dsn := flag.String("db", "", "database")
	n := flag.Int("n", 50, "hosts measured")
	group := flag.String("os-group", "", "only hosts of this OS group")
	prof := flag.String("cpuprofile", "", "write a CPU profile of HostFindings (with -pages: of the page requests) to this file")
	listings := flag.Int("listings", 0, "time the hosts listing's cases this many times each instead (CVE filters: of the first n hosts)")
	pages := flag.Int("pages", 0, "serve the host page and the host API this many times each (hosts of the first -n) and print their latency and CPU per request, instead of the store reads; with -listings: time the hosts list pages over HTTP this many times each too")
	flag.Parse()
	ctx := context.Background()
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	sc := store.AllSites()
	hosts, _, err := st.ListHosts(ctx, sc, store.HostFilter{Limit: *n, OSGroup: *group})
	if err != nil {
		log.Fatal(err)
	}
	if *pages > 0 && *listings == 0 {
		names := make([]string, len(hosts))
		for i, h := range hosts {
			names[i] = h.Hostname
		}
		if err := measurePages(st, names, *pages, *prof); err != nil {
			log.Fatal(err)
		}
		return
	}
	lat := map[string][]time.Duration{}
	timed := func(name string, fn func() error) {
		t := time.Now()
		if err := fn(); err != nil {
			log.Fatal(name, ": ", err)
		}
		lat[name] = append(lat[name], time.Since(t))
	}
	if *prof != "" && *listings == 0 {
		f, err := os.Create(*prof)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		for _, h := range hosts {
			if _, err := st.HostFindings(ctx, sc, h.Hostname, false); err != nil {
				log.Fatal(err)
			}
		}
		pprof.StopCPUProfile()
		f.Close()
	}
	var cves []string
	if *listings > 0 {
		seen := map[string]bool{}
		for _, h := range hosts {
			fs, err := st.HostFindings(ctx, sc, h.Hostname, false)
			if err != nil {
				log.Fatal(err)
			}
			for i := 0; i < len(fs); i += max(1, len(fs)/5) {
				if !seen[fs[i].CVE] {
					seen[fs[i].CVE] = true
					cves = append(cves, fs[i].CVE)
				}
			}
		}
		timeListings(ctx, st, *listings, cves)
		if *pages > 0 {
			timePages(ctx, st, *pages, cves, *prof)
		}
		return
	}
	for _, h := range hosts {
		name := h.Hostname
		timed("Host", func() error { _, err := st.Host(ctx, sc, name); return err })
		timed("HostPackages", func() error { _, err := st.HostPackages(ctx, sc, name); return err })
		timed("HostReports", func() error { _, err := st.HostReports(ctx, sc, name, 20); return err })
		timed("HostFindings", func() error {
			fs, err := st.HostFindings(ctx, sc, name, false)
			if len(cves) < 20 && len(fs) > 0 {
				cves = append(cves, fs[len(fs)/2].CVE)
			}
			return err
		})
		timed("HostIdleKernels", func() error { _, err := st.HostIdleKernels(ctx, sc, name); return err })
		timed("HostUpdates", func() error { _, err := st.HostUpdates(ctx, sc, name, false); return err })
		timed("FindingHistory", func() error {
			_, err := st.FindingHistory(ctx, sc, name, "", time.Now().Add(-6*24*time.Hour), time.Now())
			return err
		})
	}
	for i := range *n {
		if len(cves) == 0 {
			break
		}
		cve := cves[i%len(cves)]
		timed("ListHosts cve", func() error {
			_, _, err := st.ListHosts(ctx, sc, store.HostFilter{CVE: cve, Limit: 100})
			return err
		})
	}
	names := make([]string, 0, len(lat))
	for k := range lat {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		d := lat[k]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		fmt.Printf("%-16s p50 %7.1f ms  p99 %7.1f ms\n", k, ms(d[len(d)/2]), ms(d[len(d)*99/100]))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

package main

import (
	"context"
	"fmt"
	"log"
	"sort"
	"syscall"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// listingCase is one hosts listing timed by timeListings: ListHosts of
// f, or run when not nil.
type listingCase struct {
	name string
	f    func(i int) store.HostFilter
	run  func(ctx context.Context, st *store.Store, sc store.Scope) error
}

// timeListings times the hosts listing (ListHosts, its total counted) n
// times per case: wall time and this process's CPU time per call, the
// p50 and p99 of each. cves are CVEs to filter by.
func timeListings(ctx context.Context, st *store.Store, n int, cves []string) {
	sc := store.AllSites()
	_, total, err := st.ListHosts(ctx, sc, store.HostFilter{Limit: 1})
	if err != nil {
		log.Fatal(err)
	}
	cases := []listingCase{
		{"page 1, by name", func(int) store.HostFilter { return store.HostFilter{} }, nil},
		{"page 1, by site", func(int) store.HostFilter { return store.HostFilter{Sort: "site"} }, nil},
		{"page 1, by OS", func(int) store.HostFilter { return store.HostFilter{Sort: "os"} }, nil},
		{"page 1, most CVEs", func(int) store.HostFilter { return store.HostFilter{Sort: "-cves"} }, nil},
		{"deep page (half way)", func(int) store.HostFilter { return store.HostFilter{Offset: total / 2} }, nil},
		{"deep page by site", func(int) store.HostFilter { return store.HostFilter{Sort: "site", Offset: total / 2} }, nil},
		{"status exposed", func(int) store.HostFilter { return store.HostFilter{Status: "exposed"} }, nil},
		{"search q=1", func(int) store.HostFilter { return store.HostFilter{Query: "1"} }, nil},
		{"not evaluated", func(int) store.HostFilter { return store.HostFilter{Status: store.StatusNotEvaluated} }, nil},
		{"sites", nil, func(ctx context.Context, st *store.Store, sc store.Scope) error {
			_, err := st.Sites(ctx, sc)
			return err
		}},
		{"hosts page's reads", nil, func(ctx context.Context, st *store.Store, sc store.Scope) error {
			_, _, _, err := st.ListHostsAndSites(ctx, sc, store.HostFilter{})
			return err
		}},
	}
	if len(cves) > 0 {
		cases = append(cases,
			listingCase{"CVE filter", func(i int) store.HostFilter { return store.HostFilter{CVE: cves[i%len(cves)]} }, nil},
			listingCase{"CVE filter by site", func(i int) store.HostFilter { return store.HostFilter{CVE: cves[i%len(cves)], Sort: "site"} }, nil})
	}
	fmt.Printf("hosts listing, %d hosts, %d calls each (wall p50/p99, CPU p50/p99 ms)\n", total, n)
	for _, c := range cases {
		var wall, cpu []time.Duration
		for i := range n + 1 {
			t, u := time.Now(), cpuTime()
			if c.run != nil {
				err = c.run(ctx, st, sc)
			} else {
				_, _, err = st.ListHosts(ctx, sc, c.f(i))
			}
			if err != nil {
				log.Fatal(c.name, ": ", err)
			}
			if i > 0 { // the first warms the caches
				wall, cpu = append(wall, time.Since(t)), append(cpu, cpuTime()-u)
			}
		}
		fmt.Printf("%-22s wall %7.1f / %7.1f   cpu %7.1f / %7.1f\n", c.name, ms(q(wall, .5)), ms(q(wall, .99)), ms(q(cpu, .5)), ms(q(cpu, .99)))
	}
}

// cpuTime is this process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func q(d []time.Duration, p float64) time.Duration {
	d = append([]time.Duration(nil), d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(p*float64(len(d))))]
}

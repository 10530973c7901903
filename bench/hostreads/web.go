package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

// timePages times the hosts pages and API over loopback, n sequential
// GETs each, the server in this process: wall time and this process's
// CPU time (server and client) per request, p50 and p99.
// prof, when not "", is where a CPU profile of the GETs goes.
func timePages(ctx context.Context, st *store.Store, n int, cves []string, prof string) {
	h, err := web.New(web.Config{Store: st, Feed: http.NotFoundHandler(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	_, total, err := st.ListHosts(ctx, store.AllSites(), store.HostFilter{Limit: 1})
	if err != nil {
		log.Fatal(err)
	}
	if len(cves) == 0 {
		cves = []string{"CVE-2023-0286"}
	}
	base := "http://" + ln.Addr().String()
	pages := []struct {
		name string
		url  func(i int) string
	}{
		{"/hosts", func(int) string { return "/hosts" }},
		{"/hosts?sort=site", func(int) string { return "/hosts?sort=site" }},
		{"/hosts?sort=os", func(int) string { return "/hosts?sort=os" }},
		{"/hosts deep page", func(int) string { return "/hosts?offset=" + strconv.Itoa(total/2) }},
		{"/hosts?cve=", func(i int) string { return "/hosts?cve=" + url.QueryEscape(cves[i%len(cves)]) }},
		{"/api/v1/hosts?cve=", func(i int) string { return "/api/v1/hosts?cve=" + url.QueryEscape(cves[i%len(cves)]) }},
		{"/hosts?status=exposed", func(int) string { return "/hosts?status=exposed" }},
	}
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("pages, %d hosts, %d GETs each (wall p50/p99, CPU p50/p99 ms)\n", total, n)
	for _, p := range pages {
		var wall, cpu []time.Duration
		for i := range n + 1 {
			t, u := time.Now(), cpuTime()
			resp, err := http.Get(base + p.url(i))
			if err != nil {
				log.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				log.Fatalf("%s: %s", p.url(i), resp.Status)
			}
			if i > 0 {
				wall, cpu = append(wall, time.Since(t)), append(cpu, cpuTime()-u)
			}
		}
		fmt.Printf("%-22s wall %7.1f / %7.1f   cpu %7.1f / %7.1f\n", p.name, ms(q(wall, .5)), ms(q(wall, .99)), ms(q(cpu, .5)), ms(q(cpu, .99)))
	}
}

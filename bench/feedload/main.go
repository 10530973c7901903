// Command feedload measures report intake: it starts pakiti's feed and
// store in-process on a loopback port with a fresh SQLite file (or targets
// -url), sends reports built from a real inventory from concurrent senders,
// and prints reports/s and latency percentiles per scenario:
//
//	new-set   a new host whose package set no host had before
//	known-set a new host whose package set is already stored
//	unchanged a host re-sending its previous report
//
// Usage: go run ./bench/feedload [-n 2000] [-c 8] [-packages 1500]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

func main() {
	n := flag.Int("n", 2000, "reports per scenario")
	c := flag.Int("c", 8, "concurrent senders")
	npkg := flag.Int("packages", 1500, "packages per report")
	inv := flag.String("inventory", "../shared/data/inventories/debian-12/ci-debian12/ci-debian12.pakiti5.txt", "real report the package lists are built from")
	url := flag.String("url", "", "feed URL of a running server (default: start one in-process)")
	only := flag.String("only", "", "run only this scenario")
	data := flag.String("data", "", "import these Debian security files first (comma-separated, e.g. the DSA and DLA lists), so that intake also evaluates")
	system := flag.String("system", "Debian GNU/Linux 12", "the system: line of the reports (its OS group decides what data applies)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	base, err := basePackages(*inv, *npkg)
	if err != nil {
		log.Fatal(err)
	}
	feed := *url
	if feed == "" {
		var stop func()
		feed, stop = startServer(*data)
		defer stop()
	}
	reportSystem = *system
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c * 2}}
	run := time.Now().UnixNano() // host names unique per run, so -url can be reused

	type scenario struct {
		name string
		body func(i int) []byte
	}
	scenarios := []scenario{
		{"new-set", func(i int) []byte {
			// One package differs per host: a new set, a mostly known catalogue.
			return build(fmt.Sprintf("ns%d-%d.example.org", run, i), base, i)
		}},
		{"known-set", func(i int) []byte { return build(fmt.Sprintf("ks%d-%d.example.org", run, i), base, -1) }},
		{"unchanged", func(i int) []byte { return build(fmt.Sprintf("ks%d-%d.example.org", run, i%*n), base, -1) }},
	}
	fmt.Printf("feedload: %d reports per scenario, %d senders, %d packages per report (%d bytes), GOMAXPROCS %d, %s\n",
		*n, *c, len(base), len(build("x", base, -1)), runtime.GOMAXPROCS(0), feed)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treports\terrors\treports/s\tp50 ms\tp99 ms\tmax ms\t")
	for _, sc := range scenarios {
		if *only != "" && sc.name != *only && !(*only == "unchanged" && sc.name == "known-set") {
			continue
		}
		bodies := make([][]byte, *n)
		for i := range bodies {
			bodies[i] = sc.body(i)
		}
		lat, errs, wall := send(client, feed, bodies, *c)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t\n", sc.name, len(bodies), errs,
			float64(len(bodies))/wall.Seconds(), ms(pct(lat, 0.50)), ms(pct(lat, 0.99)), ms(pct(lat, 1)))
	}
	tw.Flush()
}

func send(client *http.Client, feed string, bodies [][]byte, c int) ([]time.Duration, int, time.Duration) {
	lat := make([]time.Duration, len(bodies))
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				t := time.Now()
				resp, err := client.Post(feed+"?protocol=5", "text/plain", bytes.NewReader(bodies[i]))
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if string(b) != "OK\n" {
						err = fmt.Errorf("%s", b)
					}
				}
				lat[i] = time.Since(t)
				if err != nil {
					if errs.Add(1) == 1 {
						log.Printf("first error: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	return lat, int(errs.Load()), time.Since(start)
}

// basePackages reads a real report and grows its package list to n by
// adding "-extraK" variants of real names, keeping real versions.
func basePackages(file string, n int) ([]model.Package, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w (run from the repository root, or give -inventory)", err)
	}
	r, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
	if err != nil {
		return nil, err
	}
	real := r.Packages
	out := append([]model.Package(nil), real...)
	for k := 0; len(out) < n; k++ {
		p := real[k%len(real)]
		p.Name = fmt.Sprintf("%s-extra%d", p.Name, k/len(real))
		out = append(out, p)
	}
	return report.SortPackages(out[:n]), nil
}

// build formats a report for host; vary >= 0 changes one package version.
func build(host string, base []model.Package, vary int) []byte {
	pkgs := base
	if vary >= 0 {
		pkgs = append([]model.Package(nil), base...)
		j := vary % len(pkgs)
		pkgs[j].Version = fmt.Sprintf("%s+local%d", pkgs[j].Version, vary)
	}
	return report.Format(&report.Report{
		Header: report.Header{Host: host, Arch: "x86_64", Kernel: "6.1.0-26-amd64", Packager: "dpkg",
			Site: "BENCH", System: reportSystem, Version: "1"},
		Packages: pkgs,
	}, report.Protocol5)
}

var reportSystem = "Debian GNU/Linux 12"

func startServer(data string) (string, func()) {
	dir, err := os.MkdirTemp("", "feedload")
	if err != nil {
		log.Fatal(err)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "bench.db"))
	if err != nil {
		log.Fatal(err)
	}
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(st, lg)
	if data != "" {
		im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Eval: m, Log: lg, Now: time.Now}
		if _, err := im.Import(context.Background(), "debian", strings.Split(data, ","), false); err != nil {
			log.Fatal(err)
		}
	}
	h, err := web.New(web.Config{Store: st, Feed: intake.New(st, m, lg), Log: lg})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/feed/", func() {
		srv.Close()
		st.Close()
		os.RemoveAll(dir)
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p*float64(len(d))) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

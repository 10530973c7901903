// Command fleet measures matching on a Debian fleet: it imports the real
// DSA and DLA lists and the bullseye Packages indexes into a fresh SQLite
// file, stores N distinct Debian 11 hosts of ~1,500 real packages each
// (the real viking-db inventory plus a different random draw of real
// bullseye binaries per host), evaluates them, then measures the host page
// and host API over loopback HTTP. It prints a table.
//
// Usage: go run ./bench/fleet [-hosts 1000] [-requests 2000] [-shared ../shared]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
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
	nHosts := flag.Int("hosts", 1000, "distinct hosts")
	nReq := flag.Int("requests", 2000, "requests per page measured")
	shared := flag.String("shared", "../shared", "the shared data folder")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "fleet")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "fleet.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := match.New(st, drivers.Registry(), lg)
	feeds := filepath.Join(*shared, "data/feeds/debian")
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New()), Fetcher: source.NewFetcher(), Eval: m, Log: lg, Now: time.Now}
	rows := [][]string{}
	add := func(what string, v string) { rows = append(rows, []string{what, v}) }

	t := time.Now()
	res, err := im.Import(ctx, "debian", []string{
		filepath.Join(feeds, "DSA-list.txt.gz"), filepath.Join(feeds, "DLA-list.txt.gz"),
		filepath.Join(feeds, "apt-bullseye/bullseye_main_binary-amd64_Packages.gz"),
		filepath.Join(feeds, "apt-bullseye/bullseye-security_main_binary-amd64_Packages.gz"),
	}, false)
	if err != nil {
		log.Fatal(err)
	}
	add("import DSA+DLA lists and bullseye Packages (empty fleet)", fmt.Sprintf("%s, %d records", time.Since(t).Round(time.Millisecond), res.Records))

	base := readReport(filepath.Join(*shared, "data/inventories/debian-11/viking-db/viking-db.pakiti5.txt"))
	pool := bullseyeBinaries(ctx, filepath.Join(feeds, "apt-bullseye/bullseye_main_binary-amd64_Packages.gz"))
	rng := rand.New(rand.NewPCG(1, 2))
	var evals []time.Duration
	start := time.Now()
	for i := range *nHosts {
		pkgs := append([]model.Package(nil), base...)
		for len(pkgs) < 1500 {
			pkgs = append(pkgs, pool[rng.IntN(len(pool))])
		}
		pkgs = report.SortPackages(pkgs)
		host := fmt.Sprintf("wn%04d.fleet.example.org", i)
		in := store.Incoming{Host: model.Host{Hostname: host, Site: fmt.Sprintf("SITE-%02d", i%20), OS: "Debian GNU/Linux 11",
			OSGroup: "debian:11", Protocol: 5, Kernel: "5.10.0-20-amd64"}, Packages: pkgs,
			SetHash: report.PackageSetHash(pkgs), HeaderHash: host, ReceivedAt: time.Now()}
		if _, err := st.SaveReport(ctx, in); err != nil {
			log.Fatal(err)
		}
		t := time.Now()
		if err := m.AfterReport(ctx, host, "debian:11", nil); err != nil {
			log.Fatal(err)
		}
		evals = append(evals, time.Since(t))
	}
	total := time.Since(start)
	add("evaluate the first host (1,500 packages, nothing cached)", evals[0].Round(time.Microsecond).String())
	sorted := append([]time.Duration(nil), evals[1:]...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	add("evaluate one more host (p50 / p99, shared verdicts cached)", fmt.Sprintf("%s / %s", pct(sorted, .5), pct(sorted, .99)))
	add(fmt.Sprintf("store and evaluate %d distinct hosts", *nHosts), total.Round(time.Millisecond).String())

	t = time.Now()
	n, err := m.EvaluateHosts(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	add(fmt.Sprintf("re-evaluate all %d hosts (pakiti evaluate, verdicts cached)", n), time.Since(t).Round(time.Millisecond).String())
	if err := st.ForgetEvaluations(ctx); err != nil {
		log.Fatal(err)
	}
	t = time.Now()
	if _, err := m.EvaluateHosts(ctx, nil); err != nil {
		log.Fatal(err)
	}
	add(fmt.Sprintf("evaluate all %d hosts from scratch (pakiti evaluate --all)", n), time.Since(t).Round(time.Millisecond).String())

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
	defer srv.Close()
	baseURL := "http://" + ln.Addr().String()
	for _, page := range []struct{ name, path string }{
		{"host page", "/hosts/"},
		{"host API", "/api/v1/hosts/"},
	} {
		var lat []time.Duration
		for i := range *nReq {
			u := baseURL + page.path + url.PathEscape(fmt.Sprintf("wn%04d.fleet.example.org", rng.IntN(*nHosts)))
			t := time.Now()
			resp, err := http.Get(u)
			if err != nil {
				log.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				log.Fatalf("%s: %d", u, resp.StatusCode)
			}
			if i > 0 {
				lat = append(lat, time.Since(t))
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		add(fmt.Sprintf("%s with %d hosts, p50 / p99 (%d sequential GETs)", page.name, *nHosts, *nReq), fmt.Sprintf("%s / %s", pct(lat, .5), pct(lat, .99)))
	}
	hosts, _, _ := st.ListHosts(ctx, store.AllSites(), store.HostFilter{Limit: 1})
	fmt.Printf("fleet: %d hosts, GOMAXPROCS %d, SQLite; first host %d CVEs\n", *nHosts, runtime.GOMAXPROCS(0), hosts[0].CVEs)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1])
	}
	tw.Flush()
}

func pct(d []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(d))) - 1
	return d[max(0, min(i, len(d)-1))].Round(10 * time.Microsecond)
}

func readReport(file string) []model.Package {
	raw, err := os.ReadFile(file)
	if err != nil {
		log.Fatal(err)
	}
	r, err := report.Parse(raw, report.Protocol5, report.DefaultLimits)
	if err != nil {
		log.Fatal(err)
	}
	return r.Packages
}

// bullseyeBinaries are the real amd64 binaries of the bullseye index.
func bullseyeBinaries(ctx context.Context, file string) []model.Package {
	f, err := os.Open(file)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fe := &source.Fetched{File: file, Location: file}
	rc, err := fe.Open()
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	var out []model.Package
	_, err = debian.ParsePackagesIndex(ctx, rc, func(b debian.Binary) error {
		out = append(out, model.Package{Name: b.Name, Version: b.Version, Arch: b.Arch})
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	return out
}

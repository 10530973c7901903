package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/report"
)

// TestConcurrentSaveReport: reports sent at once, of one host and of new
// hosts creating the same package sets, catalogue packages and sites,
// never fail, on the engine under test; the host ends with the package set
// of the report stored last (identified by its unique time), and every
// acknowledged report is counted in its history.
func TestConcurrentSaveReport(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	base := []Incoming{
		incoming(t, "testdata/vaultwarden.pakiti5.txt", "x", "S", t0),
		incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "x", "S", t0),
	}
	// variant k: a set no host had, built from a real list with one
	// version changed, so that several senders create it at once.
	variant := func(k int) Incoming {
		in := base[k%2]
		pkgs := append([]model.Package(nil), in.Packages...)
		pkgs[k%len(pkgs)].Version += fmt.Sprintf("+v%d", k)
		in.Packages, in.SetHash = pkgs, report.PackageSetHash(pkgs)
		return in
	}
	var retries atomic.Int64
	testHookRetry = func(error) { retries.Add(1) }
	defer func() { testHookRetry = nil }()

	const senders, rounds = 8, 12
	var (
		clock   atomic.Int64
		mu      sync.Mutex
		setAt   = map[time.Time]string{} // report time -> set hash, of host h
		ackedH  int
		errs    []error
		wg      sync.WaitGroup
		barrier = make(chan struct{})
	)
	for g := range senders {
		wg.Go(func() {
			<-barrier
			for r := range rounds {
				// The shared host: one of four sets, two of them new
				// to the store in this round.
				in := base[(g+r)%2]
				if (g+r)%3 == 0 {
					in = variant(r)
				}
				in.Host.Hostname, in.Host.Site = "h.example.org", "SITE-H"
				in.ReceivedAt = t0.Add(time.Duration(clock.Add(1)) * time.Second)
				_, err := s.SaveReport(ctx, in)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("sender %d round %d, host h: %w", g, r, err))
				} else {
					setAt[in.ReceivedAt] = in.SetHash
					ackedH++
				}
				mu.Unlock()
				// A new host per sender and round, with a set and a site
				// the other senders create in the same round.
				in = variant(100 + r)
				in.Host.Hostname, in.Host.Site = fmt.Sprintf("n%d-%d.example.org", g, r), fmt.Sprintf("SITE-%d", r)
				in.ReceivedAt = t0.Add(time.Duration(clock.Add(1)) * time.Second)
				if _, err := s.SaveReport(ctx, in); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("sender %d round %d, new host: %w", g, r, err))
					mu.Unlock()
				}
			}
		})
	}
	close(barrier)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	t.Logf("%s: %d races absorbed by retries", s.Engine(), retries.Load())

	h, err := s.Host(ctx, AllSites(), "h.example.org")
	if err != nil {
		t.Fatal(err)
	}
	want, ok := setAt[h.LastReport]
	if !ok {
		t.Fatalf("host's last report time %v is no acknowledged report's", h.LastReport)
	}
	if h.PackageSetHash != want {
		t.Errorf("host h has set %.12s, but the report stored last (%v) sent %.12s", h.PackageSetHash, h.LastReport, want)
	}
	hist, err := s.HostReports(ctx, AllSites(), "h.example.org", 1000)
	if err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, r := range hist {
		counted += r.Count
	}
	if counted != ackedH {
		t.Errorf("history counts %d reports of host h, %d were acknowledged", counted, ackedH)
	}
	var hosts, sites int
	s.r.QueryRow(`SELECT COUNT(*) FROM hosts`).Scan(&hosts)
	s.r.QueryRow(`SELECT COUNT(*) FROM sites`).Scan(&sites)
	if hosts != 1+senders*rounds || sites != 1+rounds {
		t.Errorf("%d hosts and %d sites, want %d and %d", hosts, sites, 1+senders*rounds, 1+rounds)
	}
	// Every host's packages are there in full (no member lost to a race).
	for _, name := range []string{"h.example.org", "n3-5.example.org"} {
		h, _ := s.Host(ctx, AllSites(), name)
		pkgs, err := s.HostPackages(ctx, AllSites(), name)
		if err != nil || len(pkgs) != h.Packages {
			t.Errorf("%s: %d packages stored, set says %d (%v)", name, len(pkgs), h.Packages, err)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// target is one server: where reports go and where its API is.
type target struct {
	Feed string // e.g. http://127.0.0.1:8080/feed/
	Base string // e.g. http://127.0.0.1:8080
}

// feedPaths are the feed paths a server answers on (internal/web).
var feedPaths = []string{"/pakiti/feed/", "/pakiti/feed", "/feed/", "/feed"}

// parseTargets reads -url: comma-separated server URLs, each either the
// server's root (the feed is then /feed/) or its feed URL.
func parseTargets(list string) ([]target, error) {
	var out []target
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("-url %q: %v", raw, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("-url %q: want http(s)://HOST[:PORT][/feed/], no query", raw)
		}
		path := u.Path
		feed := ""
		for _, p := range feedPaths {
			if strings.HasSuffix(path, p) {
				feed, path = path, strings.TrimSuffix(path, p)
				break
			}
		}
		path = strings.TrimSuffix(path, "/")
		if feed == "" {
			feed = path + "/feed/"
		}
		base := u.Scheme + "://" + u.Host + path
		out = append(out, target{Feed: u.Scheme + "://" + u.Host + feed, Base: base})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-url names no server")
	}
	return out, nil
}

// loadConfig says how to run the phases.
type loadConfig struct {
	Targets  []target
	Clients  int
	N        int           // reports per phase at most; 0: only Duration bounds
	Duration time.Duration // per phase; 0: only N bounds
	Random   bool          // pick the server at random, not round-robin
	Only     string        // run only this phase (unchanged also runs known-set)
	Site     string
	Run      string // makes host names unique per run, so servers can be reused
	// OnStart, when set, is called as each phase starts (-ab reads the
	// server's CPU time then).
	OnStart func(phase string)
}

// phaseNames are the phases in the order they run.
var phaseNames = []string{"new-set", "known-set", "unchanged"}

// sample is one report's outcome.
type sample struct {
	server int
	lat    time.Duration
	class  string // "" when acknowledged, else errorClass
}

// ack is one report a server answered OK.
type ack struct {
	host        string
	vary        int
	server      int
	sent, acked time.Time
}

// phaseRun is what one phase measured.
type phaseRun struct {
	name    string
	wall    time.Duration
	samples []sample
	acks    []ack
}

// runPhases sends the phases' reports and returns what each measured;
// onPhase (may be nil) sees each phase as it ends.
func runPhases(ctx context.Context, c loadConfig, client *http.Client, b *bodies, onPhase func(phaseRun) error) ([]phaseRun, error) {
	if c.Clients < 1 || len(c.Targets) == 0 || (c.N <= 0 && c.Duration <= 0) {
		return nil, fmt.Errorf("need at least one client, one server and a bound (-n or -duration)")
	}
	var runs []phaseRun
	var known []string // hosts of acknowledged known-set reports, in send order
	for _, name := range phaseNames {
		if c.Only != "" && name != c.Only && !(c.Only == "unchanged" && name == "known-set") {
			continue
		}
		var report func(i int) (string, int)
		switch name {
		case "new-set":
			report = func(i int) (string, int) { return fmt.Sprintf("ns%s-%d.example.org", c.Run, i), i }
		case "known-set":
			report = func(i int) (string, int) { return fmt.Sprintf("ks%s-%d.example.org", c.Run, i), -1 }
		case "unchanged":
			if len(known) == 0 {
				return runs, fmt.Errorf("no known-set report was acknowledged: nothing to re-send")
			}
			hosts := known
			report = func(i int) (string, int) { return hosts[i%len(hosts)], -1 }
		}
		if c.OnStart != nil {
			c.OnStart(name)
		}
		r := sendPhase(ctx, c, client, b, name, report)
		if name == "known-set" {
			for _, a := range r.acks {
				known = append(known, a.host)
			}
		}
		runs = append(runs, r)
		if onPhase != nil {
			if err := onPhase(r); err != nil {
				return runs, err
			}
		}
		if err := ctx.Err(); err != nil {
			return runs, err
		}
	}
	return runs, nil
}

// sendPhase runs c.Clients senders until N reports are sent or Duration
// has passed; report(i) names the i-th report's host and variant.
func sendPhase(ctx context.Context, c loadConfig, client *http.Client, b *bodies, name string, report func(i int) (host string, vary int)) phaseRun {
	limit := int64(c.N)
	if limit <= 0 {
		limit = math.MaxInt64
	}
	var deadline time.Time
	if c.Duration > 0 {
		deadline = time.Now().Add(c.Duration)
	}
	var next atomic.Int64
	var logged sync.Map // error classes already logged this phase
	type local struct {
		samples []sample
		acks    []ack
	}
	locals := make([]local, c.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range c.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(w)))
			l := &locals[w]
			for ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) {
				i := next.Add(1) - 1
				if i >= limit {
					return
				}
				host, vary := report(int(i))
				srv := int(i % int64(len(c.Targets)))
				if c.Random {
					srv = rnd.IntN(len(c.Targets))
				}
				body := b.body(host, vary)
				t := time.Now()
				class, detail := post(ctx, client, c.Targets[srv].Feed, body)
				done := time.Now()
				l.samples = append(l.samples, sample{server: srv, lat: done.Sub(t), class: class})
				if class == "" {
					l.acks = append(l.acks, ack{host: host, vary: vary, server: srv, sent: t, acked: done})
				} else if _, seen := logged.LoadOrStore(class, true); !seen {
					slog.Warn("report failed", "phase", name, "server", c.Targets[srv].Feed, "class", class, "detail", detail)
				}
			}
		}()
	}
	wg.Wait()
	r := phaseRun{name: name, wall: time.Since(start)}
	for _, l := range locals {
		r.samples = append(r.samples, l.samples...)
		r.acks = append(r.acks, l.acks...)
	}
	return r
}

// post sends one report; class is "" when the server acknowledged it
// (HTTP 200, body starting with OK), else the kind of failure: the HTTP
// status, "not-ok" for a 200 without OK, "timeout" or "transport".
func post(ctx context.Context, client *http.Client, feed string, body []byte) (class, detail string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, feed+"?protocol=5", bytes.NewReader(body))
	if err != nil {
		return "transport", err.Error()
	}
	req.Header.Set("Content-Type", "text/plain")
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return "timeout", err.Error()
		}
		return "transport", err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Sprintf("http-%d", resp.StatusCode), clip(string(b))
	case err != nil:
		return "transport", err.Error()
	case !bytes.HasPrefix(b, []byte("OK")):
		return "not-ok", clip(string(b))
	}
	return "", ""
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

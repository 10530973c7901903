package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

func TestParseTargets(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []target
		wantErr bool
	}{
		{in: "http://127.0.0.1:8080", want: []target{{"http://127.0.0.1:8080/feed/", "http://127.0.0.1:8080"}}},
		{in: "http://127.0.0.1:8080/", want: []target{{"http://127.0.0.1:8080/feed/", "http://127.0.0.1:8080"}}},
		{in: "http://a:1/feed/, http://b:2/pakiti/feed", want: []target{
			{"http://a:1/feed/", "http://a:1"}, {"http://b:2/pakiti/feed", "http://b:2"}}},
		{in: "https://h/prefix/feed", want: []target{{"https://h/prefix/feed", "https://h/prefix"}}},
		{in: "https://h/prefix/", want: []target{{"https://h/prefix/feed/", "https://h/prefix"}}},
		{in: "127.0.0.1:8080", wantErr: true},
		{in: "ftp://h/", wantErr: true},
		{in: "http://h/feed/?protocol=5", wantErr: true},
		{in: " , ", wantErr: true},
	} {
		got, err := parseTargets(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, d)
		}
	}
}

// serveShared starts n servers (web + intake, as pakiti serve wires them)
// with their own store each, all on one SQLite file.
func serveShared(t *testing.T, n int) []string {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	var urls []string
	for range n {
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		h, err := web.New(web.Config{Store: st, Feed: intake.New(st, match.New(st, drivers.Registry(), lg), lg), Log: lg})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	return urls
}

func TestTwoServersOneDatabase(t *testing.T) {
	urls := serveShared(t, 2)
	acked := filepath.Join(t.TempDir(), "acked.jsonl")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-url", urls[0] + "," + urls[1] + "/feed/", "-clients", "4", "-duration", "600ms",
		"-packages", "300", "-inventory", inventory, "-acked", acked, "-check", urls[1], "-json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s\nstdout:\n%s", code, errb.String(), out.String())
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("-json printed no JSON object: %v\n%s", err, out.String())
	}
	if got := phasesOf(res); !cmp.Equal(got, phaseNames) {
		t.Fatalf("phases %v, want %v", got, phaseNames)
	}
	okTotal := 0
	for _, p := range res.Phases {
		if p.Sent == 0 || p.Errors != 0 || p.OK != p.Sent || len(p.ErrorsBy) != 0 {
			t.Errorf("%s: sent %d, ok %d, errors %d %v; want reports and no error", p.Phase, p.Sent, p.OK, p.Errors, p.ErrorsBy)
		}
		if p.PerSecond <= 0 || p.P50ms <= 0 || p.P99ms < p.P50ms || p.Maxms < p.P99ms {
			t.Errorf("%s: implausible figures %+v", p.Phase, p.Figures)
		}
		if len(p.Servers) != 2 {
			t.Fatalf("%s: %d per-server figures, want 2", p.Phase, len(p.Servers))
		}
		a, b := p.Servers[0], p.Servers[1]
		// Round-robin: both servers take reports, as many each but for the
		// reports claimed by clients when the time ran out.
		if a.Sent == 0 || b.Sent == 0 || a.Sent+b.Sent != p.Sent || abs(a.Sent-b.Sent) > 4 {
			t.Errorf("%s: servers sent %d and %d of %d, want an even split", p.Phase, a.Sent, b.Sent, p.Sent)
		}
		okTotal += p.OK
	}
	f, err := os.Open(acked)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAcked(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != okTotal {
		t.Errorf("-acked holds %d reports, the phases acknowledged %d", len(recs), okTotal)
	}
	// Every host appears once per phase but unchanged re-sends known-set hosts.
	hosts := len(expected(recs))
	if want := res.Phases[0].OK + res.Phases[1].OK; hosts != want {
		t.Errorf("%d distinct acknowledged hosts, want new-set + known-set = %d", hosts, want)
	}
	c := res.Check
	if c == nil || !c.OK() || c.Hosts != hosts || c.Present != hosts || c.AckedReports != okTotal {
		t.Errorf("check on the second server: %+v, want all %d hosts present", c, hosts)
	}

	// The check alone, on the other server, reads the file written above.
	out.Reset()
	if code := run(context.Background(), []string{"-check", urls[0], "-acked", acked}, &out, &errb); code != 0 {
		t.Fatalf("check alone: exit status %d\n%s%s", code, out.String(), errb.String())
	}
	if want := fmt.Sprintf("%d hosts: %d present, 0 missing, 0 with another package set", hosts, hosts); !strings.Contains(out.String(), want) {
		t.Errorf("check alone printed %q, want it to say %q", out.String(), want)
	}

	t.Run("check finds a missing host and another set", func(t *testing.T) {
		bad := append([]Acked(nil), recs[0], recs[len(recs)-1])
		bad[0].Host = "never-reported.example.org"
		bad[1].PackageSetHash = "0000"
		res, err := check(context.Background(), http.DefaultClient, urls[0], bad)
		if err != nil {
			t.Fatal(err)
		}
		want := &CheckResult{Server: urls[0], AckedReports: 2, Hosts: 2, MissingCount: 1, Missing: []string{"never-reported.example.org"},
			MismatchedCount: 1, Mismatched: []Mismatch{{Host: bad[1].Host, Want: []setID{{bad[1].Packages, "0000"}}, Got: setID{recs[len(recs)-1].Packages, recs[len(recs)-1].PackageSetHash}}}}
		if d := cmp.Diff(want, res); d != "" {
			t.Errorf("check (-want +got):\n%s", d)
		}
	})
}

func phasesOf(r Result) []string {
	var out []string
	for _, p := range r.Phases {
		out = append(out, p.Phase)
	}
	return out
}

func abs(x int) int { return max(x, -x) }

// TestErrorsByKind sends to a server that fails in every way the tool
// tells apart; each kind is counted, nothing failed is recorded as
// acknowledged, and the exit status says a report failed.
func TestErrorsByKind(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch n.Add(1) % 4 {
		case 0:
			w.Write([]byte("OK\n"))
		case 1:
			http.Error(w, "ERROR: busy", http.StatusServiceUnavailable)
		case 2:
			http.Error(w, "ERROR: malformed report", http.StatusBadRequest)
		case 3:
			w.Write([]byte("ERROR\n")) // 200 without OK, as the old server's scripts might
		}
	}))
	defer srv.Close()
	acked := filepath.Join(t.TempDir(), "acked.jsonl")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-url", srv.URL, "-n", "40", "-c", "1", "-only", "known-set", "-packages", "50",
		"-inventory", inventory, "-acked", acked, "-json"}, &out, &errb)
	if code != 1 {
		t.Errorf("exit status %d, want 1 (reports failed)", code)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(res.Phases) != 1 {
		t.Fatalf("phases %v, want known-set only", phasesOf(res))
	}
	p := res.Phases[0]
	want := map[string]int{"http-503": 10, "http-400": 10, "not-ok": 10}
	if p.Sent != 40 || p.OK != 10 || p.Errors != 30 || !cmp.Equal(p.ErrorsBy, want) {
		t.Errorf("sent %d ok %d errors %d by %v; want 40, 10, 30 by %v", p.Sent, p.OK, p.Errors, p.ErrorsBy, want)
	}
	raw, err := os.ReadFile(acked)
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(raw, []byte("\n")); lines != 10 {
		t.Errorf("-acked holds %d lines, want the 10 acknowledged reports", lines)
	}
}

// TestStopsByItself: a server that never answers costs one -timeout per
// client and phase, not a hang.
func TestStopsByItself(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-url", srv.URL, "-duration", "100ms", "-c", "2", "-timeout", "300ms", "-only", "new-set",
		"-packages", "50", "-inventory", inventory, "-json"}, &out, &errb)
	if took := time.Since(start); code != 1 || took > 3*time.Second {
		t.Errorf("exit status %d after %s, want 1 within about 300ms", code, took)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if p := res.Phases[0]; p.ErrorsBy["timeout"] != p.Sent || p.Sent != 2 {
		t.Errorf("errors %v of %d sent, want 2 timeouts", p.ErrorsBy, p.Sent)
	}
}

// TestPickRandom: -pick random reaches every server and counts each
// report once.
func TestPickRandom(t *testing.T) {
	var urls []string
	for range 2 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Write([]byte("OK\n"))
		}))
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-url", strings.Join(urls, ","), "-pick", "random", "-n", "200", "-c", "4",
		"-only", "new-set", "-packages", "50", "-inventory", inventory, "-json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit status %d\n%s", code, errb.String())
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	p := res.Phases[0]
	a, b := p.Servers[0].Sent, p.Servers[1].Sent
	// 200 fair coin flips land below 60 on one side with probability < 1e-8.
	if p.Sent != 200 || p.OK != 200 || a+b != 200 || a < 60 || b < 60 {
		t.Errorf("sent %d (ok %d): %d and %d per server, want 200 spread over both", p.Sent, p.OK, a, b)
	}
}

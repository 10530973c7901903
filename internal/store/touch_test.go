package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

// TestTouchUnchanged follows a host re-sending its report byte for byte
// (TouchUnchanged): the history record counts and times every re-send;
// the host's last report time moves only by TouchGranularity or more, or
// when the address changed; another report's bytes, and a removed host,
// are not touched.
func TestTouchUnchanged(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	in := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "a.example.org", "SITE-A", t0)
	in.RawHash = "raw-1"
	if _, err := s.SaveReport(ctx, in); err != nil {
		t.Fatal(err)
	}
	type state struct {
		LastReport   time.Time
		Addr         string
		Count        int
		LastReceived time.Time
	}
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	for _, step := range []struct {
		name    string
		raw     string
		addr    string
		at      time.Time
		touched bool
		want    state
	}{
		{"10 s later", "raw-1", "192.0.2.1", sec(10), true, state{t0, "192.0.2.1", 2, sec(10)}},
		{"59 s later", "raw-1", "192.0.2.1", sec(59), true, state{t0, "192.0.2.1", 3, sec(59)}},
		{"a minute later", "raw-1", "192.0.2.1", sec(60), true, state{sec(60), "192.0.2.1", 4, sec(60)}},
		{"new address", "raw-1", "192.0.2.9", sec(61), true, state{sec(61), "192.0.2.9", 5, sec(61)}},
		{"an hour later", "raw-1", "192.0.2.9", sec(3661), true, state{sec(3661), "192.0.2.9", 6, sec(3661)}},
		{"other bytes", "raw-2", "192.0.2.9", sec(3670), false, state{sec(3661), "192.0.2.9", 6, sec(3661)}},
	} {
		saved, touched, err := s.TouchUnchanged(ctx, "a.example.org", step.raw, step.addr, step.at)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if touched != step.touched || touched && saved.Change != HostUnchanged {
			t.Errorf("%s: touched %v (%v), want %v", step.name, touched, saved.Change, step.touched)
		}
		h, err := s.Host(ctx, AllSites(), "a.example.org")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := s.HostReports(ctx, AllSites(), "a.example.org", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 {
			t.Fatalf("%s: %d history records, want 1", step.name, len(recs))
		}
		got := state{h.LastReport, h.ReporterAddr, recs[0].Count, recs[0].LastReceived}
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step.name, diff)
		}
	}
	if _, err := s.DeleteHost(ctx, AllSites(), "a.example.org", sec(4000)); err != nil {
		t.Fatal(err)
	}
	if _, touched, err := s.TouchUnchanged(ctx, "a.example.org", "raw-1", "192.0.2.9", sec(4001)); err != nil || touched {
		t.Errorf("removed host: touched %v, %v; want the full path", touched, err)
	}
}

// TestTouchUnchangedConcurrent sends 16 senders' re-sends of 4 hosts at
// once: every touch is counted in its host's history, and on SQLite they
// shared transactions (fewer than the touches).
func TestTouchUnchangedConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const hosts, senders, rounds = 4, 16, 20
	for i := range hosts {
		in := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", fmt.Sprintf("h%d.example.org", i), "SITE-A", t0)
		in.RawHash = "raw"
		if _, err := s.SaveReport(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	before := s.touches.batches.Load()
	var wg sync.WaitGroup
	errs := make(chan error, senders*rounds)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				at := t0.Add(time.Duration(r+1) * time.Second)
				if _, ok, err := s.TouchUnchanged(ctx, fmt.Sprintf("h%d.example.org", (g+r)%hosts), "raw", "192.0.2.1", at); err != nil || !ok {
					errs <- fmt.Errorf("sender %d round %d: touched %v, %v", g, r, ok, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for i := range hosts {
		recs, err := s.HostReports(ctx, AllSites(), fmt.Sprintf("h%d.example.org", i), 10)
		if err != nil || len(recs) != 1 {
			t.Fatalf("h%d: %d records, %v", i, len(recs), err)
		}
		total += recs[0].Count - 1
	}
	if total != senders*rounds {
		t.Errorf("history counts %d re-sends, want %d", total, senders*rounds)
	}
	txs := s.touches.batches.Load() - before
	t.Logf("%d touches in %d transactions", senders*rounds, txs)
	if s.Engine() == "sqlite" && txs >= senders*rounds { // PostgreSQL: one transaction each (touchbatch.go)
		t.Errorf("%d touches took %d transactions: none shared", senders*rounds, txs)
	}
}

// TestTouchAfterStalePeek: what TouchUnchanged's read (qPeekTouch) saw
// may have moved before its transaction. A touch whose peek said the
// host's row held the report's bytes and was fresh changes nothing when
// another report replaced the row meanwhile, or moves the row when it is
// no longer fresh (another address), as the full path would.
func TestTouchAfterStalePeek(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	in := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "a.example.org", "SITE-A", t0)
	in.RawHash = "raw-1"
	saved, err := s.SaveReport(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(10 * time.Second)
	touch := func(raw, addr string) (bool, error) {
		r := &touchReq{hostname: "a.example.org", rawHash: raw, addr: addr, at: at,
			hostID: saved.HostID, setID: saved.PackageSetID, fresh: true}
		err := s.inTx(ctx, func(tx *sql.Tx) error { return s.touchIn(ctx, tx, r) })
		return r.touched, err
	}
	type state struct {
		Addr  string
		Count int
	}
	read := func() state {
		h, err := s.Host(ctx, AllSites(), "a.example.org")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := s.HostReports(ctx, AllSites(), "a.example.org", 10)
		if err != nil || len(recs) != 1 {
			t.Fatalf("%d records, %v", len(recs), err)
		}
		return state{h.ReporterAddr, recs[0].Count}
	}
	start := read()
	// The stored report has other bytes now (raw-2 was peeked).
	if touched, err := touch("raw-2", start.Addr); err != nil || touched {
		t.Errorf("other bytes: touched %v, %v; want not touched", touched, err)
	}
	if diff := cmp.Diff(start, read()); diff != "" {
		t.Errorf("other bytes changed the host (-want +got):\n%s", diff)
	}
	// The row is not fresh for this address: it moves.
	if touched, err := touch("raw-1", "192.0.2.77"); err != nil || !touched {
		t.Errorf("new address: touched %v, %v; want touched", touched, err)
	}
	if diff := cmp.Diff(state{"192.0.2.77", start.Count + 1}, read()); diff != "" {
		t.Errorf("new address (-want +got):\n%s", diff)
	}
}

// TestTouchResendHints: two servers on one database. A re-send whose
// hint (SQLite: the raw hash this server stored last) went stale, because
// the other server stored other bytes for the host, is not touched and
// forgets the hint; the host's new bytes are then touched through the
// read first, and after that through the hint, each counted once.
func TestTouchResendHints(t *testing.T) {
	ctx := context.Background()
	dsn := testdsn.MigratedDSN(t)
	open := func() *Store {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	const host = "a.example.org"
	in := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", host, "SITE-A", t0)
	in.RawHash = "raw-1"
	if _, err := a.SaveReport(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.RawHash, in.ReceivedAt = "raw-2", t0.Add(5*time.Second)
	if _, err := b.SaveReport(ctx, in); err != nil {
		t.Fatal(err)
	}
	sqlite := a.engine.name() == "sqlite"
	for _, step := range []struct {
		name      string
		raw       string
		sec       int
		touched   bool
		hinted    bool // SQLite: a's hint for raw after the step
		count     int
		lastRecvd int
	}{
		{"a's stale hint", "raw-1", 10, false, false, 2, 5},
		{"b's bytes, read first", "raw-2", 20, true, true, 3, 20},
		{"b's bytes, hinted", "raw-2", 30, true, true, 4, 30},
	} {
		at := t0.Add(time.Duration(step.sec) * time.Second)
		_, touched, err := a.TouchUnchanged(ctx, host, step.raw, "192.0.2.1", at)
		if err != nil || touched != step.touched {
			t.Errorf("%s: touched %v, %v; want %v", step.name, touched, err, step.touched)
		}
		if got := a.hints.matches(host, step.raw); got != (step.hinted && sqlite) {
			t.Errorf("%s: hint for %s %v, want %v", step.name, step.raw, got, step.hinted && sqlite)
		}
		recs, err := a.HostReports(ctx, AllSites(), host, 10)
		if err != nil || len(recs) != 1 {
			t.Fatalf("%s: %d records, %v", step.name, len(recs), err)
		}
		want := [2]any{step.count, t0.Add(time.Duration(step.lastRecvd) * time.Second)}
		if diff := cmp.Diff(want, [2]any{recs[0].Count, recs[0].LastReceived}); diff != "" {
			t.Errorf("%s: record count and last received (-want +got):\n%s", step.name, diff)
		}
	}
}

// TestResendHintsBounded: the hints never hold more than maxResendHints
// hosts; a hint set again, or forgotten, is as told.
func TestResendHintsBounded(t *testing.T) {
	h := newResendHints()
	for i := range maxResendHints + 10 {
		h.set(fmt.Sprintf("h%d", i), "raw")
	}
	if n := len(h.m); n > maxResendHints {
		t.Errorf("%d hints, want at most %d", n, maxResendHints)
	}
	h.set("x", "raw-1")
	h.set("x", "raw-2")
	if h.matches("x", "raw-1") || !h.matches("x", "raw-2") {
		t.Errorf("x: want only raw-2 hinted")
	}
	h.set("x", "")
	if h.matches("x", "raw-2") || h.matches("x", "") {
		t.Errorf("x forgotten: still hinted")
	}
	var none *resendHints // PostgreSQL
	none.set("x", "raw")
	if none.matches("x", "raw") {
		t.Errorf("nil hints matched")
	}
}

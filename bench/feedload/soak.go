package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/pakiti-go/pakiti/internal/store"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// soakConfig says how to run a soak (-soak): senders posting for a
// bounded time to a `pakiti serve` this tool starts, killed with SIGKILL
// every KillEvery and restarted on the same database.
type soakConfig struct {
	Binary    string // pakiti; "" builds ./cmd/pakiti into Dir
	DB        string // "" is a fresh SQLite file in Dir
	Dir       string // scratch folder: the binary, the database, the server's log
	Senders   int
	Duration  time.Duration
	KillEvery time.Duration // 0: never
	Site      string
	Run       string   // makes host names unique per run
	ServeArgs []string // more arguments of pakiti serve (-serve-args), e.g. --intake async
}

// SoakResult is what a soak prints (-json: this object).
type SoakResult struct {
	Mode       string  `json:"mode"` // "soak"
	Senders    int     `json:"senders"`
	DurationS  float64 `json:"duration_s"`
	KillEveryS float64 `json:"kill_every_s,omitempty"`
	Packages   int     `json:"packages_per_report"`
	DB         string  `json:"db"`
	// Sends are HTTP requests; Reports the distinct reports they carried
	// (a report is sent again, as a client does, until acknowledged).
	Sends    int64            `json:"sends"`
	Reports  int64            `json:"reports"`
	Acked    int64            `json:"acknowledged"`
	FailedBy map[string]int64 `json:"failed_sends_by,omitempty"`
	// Unfinished are reports still unacknowledged when the soak gave up
	// on them (the server did not come back): not checked.
	Unfinished int64 `json:"unfinished"`
	Refused    int64 `json:"refused"` // answered 4xx: a bug of the tool or the server
	Kills      int   `json:"kills"`
	Restarts   int   `json:"restarts"`
	// Hosts whose last acknowledged report is present with its package
	// set, and Lost: missing or with another set (must be 0).
	ServeArgs []string `json:"serve_args,omitempty"`
	// QueueDrainS: with --intake async, the seconds the queue took to
	// empty after the last restart, before the check (acknowledged
	// reports are stored after their OK).
	QueueDrainS float64      `json:"queue_drain_s,omitempty"`
	Hosts       int          `json:"hosts"`
	Present     int          `json:"present"`
	Lost        int          `json:"lost"`
	Check       *CheckResult `json:"check"`
	Seconds     float64      `json:"seconds"`
	Load        string       `json:"loadavg_end,omitempty"`

	recs []Acked // what the check was given
}

// OK says whether the soak lost nothing and nothing was refused.
func (r *SoakResult) OK() bool {
	return r.Lost == 0 && r.Refused == 0 && r.Check != nil && r.Check.OK()
}

// server is a `pakiti serve` child process on a fixed loopback address.
type server struct {
	bin, db, addr, log string
	args               []string // more arguments of serve
	cmd                *exec.Cmd
	exited             chan struct{}
}

func (s *server) base() string { return "http://" + s.addr }

// start runs the server and waits until /healthz answers 200.
func (s *server) start(ctx context.Context) error {
	lf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, append([]string{"serve", "--listen", s.addr, "--db", s.db, "--update-every", "0", "--log-format", "json"}, s.args...)...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return err
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		cmd.Wait()
		lf.Close()
		close(s.exited)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("pakiti serve exited at start (%s): see %s", cmd.ProcessState, s.log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(s.base() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pakiti serve not healthy within 2 minutes: see %s", s.log)
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// stop ends the server gracefully (SIGTERM), then for good.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// buildPakiti builds ./cmd/pakiti into dir.
func buildPakiti(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "pakiti")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/pakiti-go/pakiti/cmd/pakiti")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/pakiti: %v\n%s", err, out)
	}
	return bin, nil
}

// soakGrace bounds how long, after the soak's duration, senders keep
// re-sending the report they hold until it is acknowledged.
const soakGrace = 3 * time.Minute

// soak runs the senders against a server it kills and restarts, then
// checks through the API that every acknowledged report's host holds the
// package set of its last acknowledged report. Each sender owns its hosts
// and sends one report at a time, re-sending it (as a client does) until
// acknowledged: what a host holds at the end is then exactly its last
// acknowledged report. A report is, at random: a new host with a set no
// host had (new-set), a new host with the shared set (known-set), one of
// the sender's hosts with a changed set (changed), or with its last set
// again (unchanged).
func soak(ctx context.Context, c soakConfig, base []model.Package, b *bodies) (*SoakResult, error) {
	var start time.Time // set at the first send, below
	res := &SoakResult{Mode: "soak", Senders: c.Senders, DurationS: c.Duration.Seconds(), KillEveryS: c.KillEvery.Seconds(),
		Packages: len(base), FailedBy: map[string]int64{}}
	bin := c.Binary
	if bin == "" {
		var err error
		if bin, err = buildPakiti(ctx, c.Dir); err != nil {
			return nil, err
		}
	}
	db := c.DB
	if db == "" {
		db = "sqlite:" + filepath.Join(c.Dir, "soak.db")
	}
	res.DB = store.RedactDSN(db) // printed and written as JSON: no password
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	srv := &server{bin: bin, db: db, addr: addr, log: filepath.Join(c.Dir, "server.log"), args: c.ServeArgs}
	res.ServeArgs = c.ServeArgs
	if err := srv.start(ctx); err != nil {
		return nil, err
	}
	defer srv.stop()
	feed := srv.base() + "/feed/"
	// The soak's time runs from the first send: building the binary and
	// starting the server can take longer than the soak on a busy machine.
	start = time.Now()

	// The killer: SIGKILL every KillEvery, restart at once. Senders see
	// refused connections meanwhile and re-send.
	var mu sync.Mutex // holds srv while it restarts
	stopKiller := make(chan struct{})
	killerDone := make(chan error, 1)
	go func() {
		if c.KillEvery <= 0 {
			killerDone <- nil
			return
		}
		t := time.NewTicker(c.KillEvery)
		defer t.Stop()
		for {
			select {
			case <-stopKiller:
				killerDone <- nil
				return
			case <-ctx.Done():
				killerDone <- nil
				return
			case <-t.C:
			}
			mu.Lock()
			srv.kill()
			res.Kills++
			err := srv.start(ctx)
			if err == nil {
				res.Restarts++
			}
			mu.Unlock()
			if err != nil {
				killerDone <- fmt.Errorf("restart after kill %d: %w", res.Kills, err)
				return
			}
		}
	}()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.Senders * 2}}
	defer client.CloseIdleConnections()
	deadline := start.Add(c.Duration)
	hardStop, cancel := context.WithDeadline(ctx, deadline.Add(soakGrace))
	defer cancel()
	var sends, reports, acked, unfinished, refused atomic.Int64
	var failMu sync.Mutex
	acks := make([][]ack, c.Senders)
	var wg sync.WaitGroup
	for w := range c.Senders {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(w)))
			type host struct {
				name string
				vary int
			}
			var mine []host
			next := 0
			for time.Now().Before(deadline) && hardStop.Err() == nil {
				// The variant numbers of a sender never meet another's.
				fresh := w + c.Senders*next
				next++
				var h *host
				switch op := rnd.IntN(100); {
				case op < 30 || len(mine) == 0:
					mine = append(mine, host{fmt.Sprintf("soak%s-s%d-%d.example.org", c.Run, w, len(mine)), fresh})
					h = &mine[len(mine)-1]
				case op < 50:
					mine = append(mine, host{fmt.Sprintf("soak%s-s%d-%d.example.org", c.Run, w, len(mine)), -1})
					h = &mine[len(mine)-1]
				case op < 75:
					h = &mine[rnd.IntN(len(mine))]
					h.vary = fresh
				default:
					h = &mine[rnd.IntN(len(mine))]
				}
				body := b.body(h.name, h.vary)
				reports.Add(1)
				sent := time.Now()
				for pause := 20 * time.Millisecond; ; pause = min(2*pause, time.Second) {
					sends.Add(1)
					class, detail := post(hardStop, client, feed, body)
					if class == "" {
						acked.Add(1)
						acks[w] = append(acks[w], ack{host: h.name, vary: h.vary, sent: sent, acked: time.Now()})
						break
					}
					failMu.Lock()
					res.FailedBy[class]++
					failMu.Unlock()
					if len(class) == 8 && class[:6] == "http-4" {
						refused.Add(1)
						slog.Error("report refused", "host", h.name, "class", class, "detail", detail)
						break
					}
					if hardStop.Err() != nil {
						unfinished.Add(1)
						slog.Error("report never acknowledged", "host", h.name, "class", class, "detail", detail)
						break
					}
					select {
					case <-hardStop.Done():
					case <-time.After(pause):
					}
				}
			}
		})
	}
	wg.Wait()
	close(stopKiller)
	if err := <-killerDone; err != nil {
		return nil, err
	}
	res.Sends, res.Reports, res.Acked, res.Unfinished, res.Refused = sends.Load(), reports.Load(), acked.Load(), unfinished.Load(), refused.Load()
	if len(res.FailedBy) == 0 {
		res.FailedBy = nil
	}

	// The check runs on a freshly restarted server when the soak killed
	// it: what was acknowledged must have survived the last kill too.
	mu.Lock()
	if c.KillEvery > 0 {
		srv.kill()
		res.Kills++
		if err := srv.start(ctx); err != nil {
			mu.Unlock()
			return nil, err
		}
		res.Restarts++
	}
	mu.Unlock()
	if slices.Contains(c.ServeArgs, "async") || slices.Contains(c.ServeArgs, "--intake=async") {
		t := time.Now()
		if err := waitQueueEmpty(ctx, bin, db, 3*time.Minute); err != nil {
			return nil, err
		}
		res.QueueDrainS = time.Since(t).Seconds()
	}
	var recs []Acked
	shared := map[int]setID{}
	for w := range acks {
		for _, a := range acks[w] {
			v, ok := shared[a.vary]
			if !ok {
				v.Packages, v.Hash = setIdentity(base, a.vary)
				if a.vary < 0 {
					shared[a.vary] = v
				}
			}
			recs = append(recs, Acked{Host: a.host, Site: c.Site, Phase: "soak", Server: feed,
				Packages: v.Packages, PackageSetHash: v.Hash, Sent: a.sent, Acked: a.acked})
		}
	}
	res.recs = recs
	chk, err := check(ctx, &http.Client{Timeout: 5 * time.Minute}, srv.base(), recs)
	if err != nil {
		return nil, err
	}
	res.Check = chk
	res.Hosts, res.Present, res.Lost = chk.Hosts, chk.Present, chk.MissingCount+chk.MismatchedCount
	res.Seconds = time.Since(start).Seconds()
	if b, err := os.ReadFile("/proc/loadavg"); err == nil && len(b) > 0 {
		res.Load = string(b[:len(b)-1])
	}
	return res, nil
}

// printSoak prints r as a table or JSON and says errFailed when it lost
// or refused a report.
func printSoak(w io.Writer, r *SoakResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "soak: %d senders, %s, kill -9 every %s (%d kills, %d restarts), %d packages per report, %s\n",
			r.Senders, time.Duration(r.DurationS*float64(time.Second)), killEvery(r.KillEveryS), r.Kills, r.Restarts, r.Packages, r.DB)
		fmt.Fprintf(w, "sends %d, reports %d, acknowledged %d, unfinished %d, refused %d, failed sends %v\n",
			r.Sends, r.Reports, r.Acked, r.Unfinished, r.Refused, r.FailedBy)
		if len(r.ServeArgs) > 0 {
			fmt.Fprintf(w, "serve args %q; queue emptied %.1f s after the last restart\n", r.ServeArgs, r.QueueDrainS)
		}
		fmt.Fprintf(w, "hosts %d: present %d, lost %d (%.0f s, load average at end %s)\n", r.Hosts, r.Present, r.Lost, r.Seconds, r.Load)
		if r.Check != nil {
			printCheck(w, r.Check)
		}
	}
	if !r.OK() {
		return errFailed
	}
	return nil
}

func killEvery(s float64) string {
	if s == 0 {
		return "never"
	}
	return strconv.FormatFloat(s, 'f', -1, 64) + "s"
}

// waitQueueEmpty waits until the intake queue of db is empty (pakiti db
// status), for at most limit: claims of workers killed with the server
// expire after a while (intake.QueueClaimTTL).
func waitQueueEmpty(ctx context.Context, bin, db string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		out, err := exec.CommandContext(ctx, bin, "db", "status", "--format", "json", "--db", db).Output()
		if err != nil {
			return fmt.Errorf("pakiti db status: %w", err)
		}
		var st struct {
			Tables []struct {
				Table string `json:"table"`
				Rows  int64  `json:"rows"`
			} `json:"tables"`
		}
		if err := json.Unmarshal(out, &st); err != nil {
			return fmt.Errorf("pakiti db status: %w", err)
		}
		queued := int64(-1)
		for _, t := range st.Tables {
			if t.Table == "report_queue" {
				queued = t.Rows
			}
		}
		switch {
		case queued < 0:
			return errors.New("the database has no report_queue table: is the server older than --intake async?")
		case queued == 0:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("%d reports still queued %s after the soak", queued, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// errSoakFlags is a soak flag misuse.
var errSoakFlags = errors.New("-soak takes -senders (or -clients), -duration, -kill-every, -db, -pakiti, -serve-args, -packages, -inventory, -json")

package main

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, to take a host away behind the server's back
)

// TestSoak is the CI-sized soak: 8 senders for 15 s against a built
// `pakiti serve` killed with SIGKILL every 4 s and restarted on the same
// SQLite file. Every acknowledged report must be there after the last
// kill. Then, as a control that the check would see a loss, one host is
// deleted from the file and the check must name it missing.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak takes about 30 s (go test -short skips it)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	base, err := basePackages("testdata/ci-debian12.pakiti5.txt", 200)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBodies(base, header{System: "Debian GNU/Linux 12", Site: "SOAK"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "soak.db")
	c := soakConfig{Dir: dir, DB: "sqlite:" + file, Senders: 8, Duration: 15 * time.Second, KillEvery: 4 * time.Second,
		Site: "SOAK", Run: "t"}
	res, err := soak(ctx, c, base, b)
	if err != nil {
		if log, _ := os.ReadFile(filepath.Join(dir, "server.log")); len(log) > 0 {
			t.Logf("server log (end):\n%s", log[max(0, len(log)-4000):])
		}
		t.Fatal(err)
	}
	t.Logf("sends %d, reports %d, acknowledged %d, failed sends %v, kills %d, hosts %d, present %d, lost %d",
		res.Sends, res.Reports, res.Acked, res.FailedBy, res.Kills, res.Hosts, res.Present, res.Lost)
	if !res.OK() || res.Lost != 0 || res.Present != res.Hosts {
		t.Errorf("lost %d of %d hosts: %+v", res.Lost, res.Hosts, res.Check)
	}
	if res.Kills < 2 || res.Acked < 100 || res.Unfinished != 0 || res.Refused != 0 {
		t.Errorf("%d kills, %d acknowledged, %d unfinished, %d refused: the soak did not soak", res.Kills, res.Acked, res.Unfinished, res.Refused)
	}

	// The control: a host taken away is seen.
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	var gone string
	if err := db.QueryRowContext(ctx, `SELECT MIN(hostname) FROM hosts`).Scan(&gone); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM hosts WHERE hostname = $1`, gone); err != nil {
		t.Fatal(err)
	}
	db.Close()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	srv := &server{bin: filepath.Join(dir, "pakiti"), db: c.DB, addr: addr, log: filepath.Join(dir, "server.log")}
	if err := srv.start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	chk, err := check(ctx, http.DefaultClient, srv.base(), res.recs)
	if err != nil {
		t.Fatal(err)
	}
	if chk.MissingCount != 1 || len(chk.Missing) != 1 || chk.Missing[0] != gone {
		t.Errorf("after deleting %s the check found missing %v (%d)", gone, chk.Missing, chk.MissingCount)
	}
}

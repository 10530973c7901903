package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/store"
)

// TestDatabaseRemovedUnderServer: once the SQLite file is removed under a
// running server, reports are no longer acknowledged (503 naming the
// problem, not OK) and /healthz fails with the reason. (The issue's
// probe: the server kept answering OK into the unlinked file, and the
// reports were gone after a restart.)
func TestDatabaseRemovedUnderServer(t *testing.T) {
	old := store.HealthTTL
	store.HealthTTL = 0
	defer func() { store.HealthTTL = old }()
	file := filepath.Join(t.TempDir(), "pakiti.db")
	st, err := store.Open(context.Background(), "sqlite:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(Config{Store: st, Feed: intake.New(st, nil, log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(host string) (int, string) {
		body := "#\nhost: " + host + "\nsite: SITE-A\nsystem: Debian GNU/Linux 12\n#\nbash\t5.2.15-2+b7\tamd64\n#\n"
		resp, err := http.Post(srv.URL+"/feed/?protocol=5", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("a.example.org"); code != 200 || body != "OK\n" {
		t.Fatalf("before: %d %q", code, body)
	}
	if code, body, _ := getBody(t, srv.URL+"/healthz"); code != 200 {
		t.Fatalf("healthz before: %d %q", code, body)
	}
	for _, f := range []string{file, file + "-wal", file + "-shm"} {
		os.Remove(f)
	}
	wantMsg := "the database file " + file + " was removed or replaced (no file at that path); restart the server"
	// A new host, a changed host and the byte-for-byte unchanged fast path.
	for _, host := range []string{"b.example.org", "a.example.org"} {
		code, body := post(host)
		if code != http.StatusServiceUnavailable || body != "ERROR: "+wantMsg+"\n" {
			t.Errorf("report of %s after the file was removed: %d %q, want 503 %q", host, code, body, wantMsg)
		}
	}
	code, body, _ := getBody(t, srv.URL+"/healthz")
	if code != http.StatusServiceUnavailable || body != "unhealthy: "+wantMsg+"\n" {
		t.Errorf("healthz after the file was removed: %d %q", code, body)
	}
}

func getBody(t *testing.T, url string) (int, string, http.Header) {
	code, hd, body := get(t, url)
	return code, body, hd
}

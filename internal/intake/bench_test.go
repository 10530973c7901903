package intake_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// BenchmarkFeed measures the handler alone (no network) on the two fast
// paths most of a fleet takes daily: a report byte for byte equal to the
// host's last one (unchanged), and a new host whose package lines equal a
// stored set's (known-set). The parallel variants run 8 senders on 64
// hosts, as bench/feedload does over HTTP; a gap between the two tools
// is the network and HTTP server, not the intake.
//
// Besides ns/op (wall time, which a shared machine's load inflates), each
// reports cpu-ms/op: the process's CPU time (user + system) per report,
// the figure to compare across builds.
//
//	go test ./internal/intake -run NONE -bench Feed -benchtime 3000x
func BenchmarkFeed(b *testing.B) {
	base, err := os.ReadFile("testdata/viking-db.pakiti5.txt")
	if err != nil {
		b.Fatal(err)
	}
	const hosts = 64
	bodies := make([][]byte, hosts)
	for i := range bodies {
		bodies[i] = bytes.Replace(base, []byte("host: inv-debian11-a.example.org"), []byte(fmt.Sprintf("host: bench-%03d", i)), 1)
		if bytes.Equal(bodies[i], base) {
			b.Fatal("the inventory's host line moved")
		}
	}
	setup := func(b *testing.B) http.Handler {
		st := testdb.Open(b)
		lg := slog.New(slog.NewTextHandler(io.Discard, nil))
		return intake.New(st, match.New(st, drivers.Registry(), lg), lg)
	}
	post := func(b *testing.B, h http.Handler, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/feed/?protocol=5", bytes.NewReader(body))
		r.Header.Set("Content-Type", "text/plain")
		r.RemoteAddr = "192.0.2.1:5555"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !bytes.HasPrefix(w.Body.Bytes(), []byte("OK")) {
			b.Fatalf("HTTP %d: %s", w.Code, w.Body.String())
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		h := setup(b)
		post(b, h, bodies[0])
		b.ResetTimer()
		defer cpuPerOp(b)()
		for range b.N {
			post(b, h, bodies[0])
		}
	})
	b.Run("unchanged-parallel", func(b *testing.B) {
		h := setup(b)
		for _, body := range bodies {
			post(b, h, body)
		}
		var n atomic.Int64
		b.SetParallelism(4) // 8 senders on 2 cores
		b.ResetTimer()
		defer cpuPerOp(b)()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, h, bodies[n.Add(1)%hosts])
			}
		})
	})
	b.Run("known-set", func(b *testing.B) {
		h := setup(b)
		post(b, h, bodies[0])
		b.ResetTimer()
		defer cpuPerOp(b)()
		for i := range b.N {
			// A new host name each time, the same package lines.
			post(b, h, bytes.Replace(base, []byte("host: inv-debian11-a.example.org"), []byte(fmt.Sprintf("host: known-%d", i)), 1))
		}
	})
}

// cpuPerOp starts counting the process's CPU time; the function it returns
// reports it per operation as cpu-ms/op.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package store

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestZZTiming(t *testing.T) {
	db := os.Getenv("ZZ_DB")
	if db == "" {
		t.Skip()
	}
	ctx := context.Background()
	st, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	qs, _ := os.ReadFile(os.Getenv("ZZ_SQL"))
	for _, q := range strings.Split(string(qs), ";\n") {
		q = strings.TrimSpace(q)
		if q == "" || strings.HasPrefix(q, ".") {
			continue
		}
		best := time.Hour
		for range 3 {
			t0 := time.Now()
			rows, err := st.r.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(q, err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			best = min(best, time.Since(t0))
		}
		t.Logf("%8.1f ms  %.110s", float64(best.Microseconds())/1000, strings.Join(strings.Fields(q), " "))
	}
}

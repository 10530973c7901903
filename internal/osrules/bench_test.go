package osrules

import (
	"context"
	"testing"

	"github.com/pakiti-go/pakiti/internal/testdb"
)

// BenchmarkVersionCheck is the cost of one check for another server's
// change (--os-rules-check-every 0 pays it at every report).
func BenchmarkVersionCheck(b *testing.B) {
	st := testdb.Open(b)
	ctx := context.Background()
	if _, err := New(st, nil, "", nil, quiet).Add(ctx, Spec{Match: "^x", Group: "x:1"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := st.OSRulesVersion(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

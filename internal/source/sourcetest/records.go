package sourcetest

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Result is the golden form of a parse: the parser's statistics and the
// records it emitted, in order.
type Result[S any] struct {
	Stats   S                `json:"stats"`
	Records []model.Advisory `json:"records"`
}

// Records runs parse and gathers what it emits, checking each record with
// check as it comes. It fails t on a parse error, and when the parser's
// own count of records, count(stats), is not the number it emitted.
func Records[S any](t testing.TB, parse func(emit func(model.Advisory) error) (S, error), check func(testing.TB, model.Advisory), count func(S) int) Result[S] {
	t.Helper()
	var g Result[S]
	st, err := parse(func(a model.Advisory) error {
		check(t, a)
		g.Records = append(g.Records, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(st); n != len(g.Records) {
		t.Errorf("Stats.Records = %d, emitted %d", n, len(g.Records))
	}
	g.Stats = st
	return g
}

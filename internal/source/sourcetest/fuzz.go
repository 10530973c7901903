package sourcetest

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/source"
)

// Fuzzed checks what a parser did with fuzzed input: its own count of
// records is the number it emitted, an error has a message, and it kept
// at most source.MaxSkipReasons skip reasons and "other" (skipped may be
// nil for a parser that keeps none).
func Fuzzed(t testing.TB, records, emitted int, skipped map[string]int, err error) {
	t.Helper()
	if records != emitted {
		t.Errorf("Stats.Records = %d, emitted %d", records, emitted)
	}
	if err != nil && err.Error() == "" {
		t.Error("error with an empty message")
	}
	if len(skipped) > source.MaxSkipReasons+1 {
		t.Errorf("%d skip reasons kept", len(skipped))
	}
}

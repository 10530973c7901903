package source

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MaxSkipReasons bounds the distinct reasons a parser's statistics keep for
// what it read but did not emit, since some reasons carry a name taken
// from the input; further reasons are counted under "other".
const MaxSkipReasons = 64

// CountSkip counts one thing left out for reason in *skipped, making the
// map on first use.
func CountSkip(skipped *map[string]int, reason string) {
	if *skipped == nil {
		*skipped = make(map[string]int)
	}
	if _, ok := (*skipped)[reason]; !ok && len(*skipped) >= MaxSkipReasons {
		reason = "other"
	}
	(*skipped)[reason]++
}

// SkippedTotal is the number of things skipped for any reason.
func SkippedTotal(skipped map[string]int) int {
	n := 0
	for _, c := range skipped {
		n += c
	}
	return n
}

// WriteSkipped writes " [reason: count]" for each reason, in name order,
// the end of a parser's one-line summary.
func WriteSkipped(b *strings.Builder, skipped map[string]int) {
	for _, k := range slices.Sorted(maps.Keys(skipped)) {
		fmt.Fprintf(b, " [%s: %d]", k, skipped[k])
	}
}

// SkipName is a skip reason followed by the offending name from the
// input, quoted and clipped: `unknown release "experimental"`.
func SkipName(reason, name string) string {
	return fmt.Sprintf("%s %q", reason, Clip(name, 40))
}

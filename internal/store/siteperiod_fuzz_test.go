package store

import (
	"strings"
	"testing"
)

// FuzzParsePeriod: any from and to (query parameters of /sites) either
// give an error or a period whose given bounds print back as given, from
// not after to.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range [][2]string{{"2026-11-01", "2026-12-01"}, {"", "2026-12-01"}, {"2026-12-01", ""},
		{"2026-12-02", "2026-12-01"}, {"2026-2-1", ""}, {"2026-02-30", ""}, {"\xff", "<script>"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		p, err := ParsePeriod(from, to)
		if err != nil {
			if strings.Contains(err.Error(), from) && len(from) > 60 {
				t.Errorf("error repeats a long input whole: %v", err)
			}
			return
		}
		if from != "" && p.From.Format(PeriodLayout) != from {
			t.Errorf("from %q read as %v", from, p.From)
		}
		if to != "" && p.To.Format(PeriodLayout) != to {
			t.Errorf("to %q read as %v", to, p.To)
		}
		if !p.From.IsZero() && !p.To.IsZero() && p.From.After(p.To) {
			t.Errorf("from %v after to %v accepted", p.From, p.To)
		}
	})
}

package plot

import (
	"encoding/xml"
	"flag"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// hostile is a series name and label an attacker could choose (a site
// name comes from reports; a tag from a CSIRT's import).
const hostile = `<script>alert(1)</script>"'&`

func TestGolden(t *testing.T) {
	days := []string{"2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"}
	for _, c := range []struct {
		name string
		draw func(Chart) template.HTML
		c    Chart
	}{
		{"line", Line, Chart{ID: "exposed", Title: "Exposed hosts", Desc: "Hosts with an open CVE per day.", Labels: days,
			Series: []Series{{Name: "all sites", Values: []float64{3, 3, 4, 7, 7, 5, 2}},
				{Name: hostile, Values: []float64{1, math.NaN(), 2, 2, 3, 3, 0}}}}},
		{"stacked", StackedBar, Chart{ID: "by-site", Title: "Exposed hosts per site", Desc: "Stacked by site.", Labels: days,
			Series: []Series{{Name: "SITE-A", Values: []float64{1, 1, 2, 3, 3, 2, 1}},
				{Name: "SITE-B", Values: []float64{2, 2, 2, 4, 4, 3, 1}}}}},
		{"single", Line, Chart{ID: "one", Title: "One day", Desc: "A single snapshot.", Labels: days[:1],
			Series: []Series{{Name: "all sites", Values: []float64{5}}}}},
		{"empty", Line, Chart{ID: "none", Title: "Nothing yet", Desc: "No snapshot."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := string(c.draw(c.c))
			file := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("(-want +got; go test -update to accept):\n%s", diff)
			}
			// Well-formed XML: nothing a label holds broke out of its element.
			if err := xml.Unmarshal([]byte(got), new(struct{})); err != nil {
				t.Errorf("not well-formed: %v", err)
			}
		})
	}
}

// TestEscaped: a hostile series name or label appears only escaped.
func TestEscaped(t *testing.T) {
	for _, draw := range []func(Chart) template.HTML{Line, StackedBar} {
		got := string(draw(Chart{ID: `x"><b`, Title: hostile, Desc: hostile, Labels: []string{hostile},
			Series: []Series{{Name: hostile, Values: []float64{1}}}}))
		if strings.Contains(got, "<script") || strings.Contains(got, `"'&<`) || strings.Contains(got, `x"><b`) {
			t.Errorf("unescaped:\n%s", got)
		}
		if !strings.Contains(got, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;") {
			t.Errorf("the name is not shown escaped:\n%s", got)
		}
	}
}

// TestScale: the y axis steps by 1, 2 or 5 times a power of ten (the
// first at or above a fifth of the largest value, at least 1) and tops at
// the first step at or above the largest value; stacked values summed.
func TestScale(t *testing.T) {
	for _, c := range []struct {
		max  float64
		top  float64
		tick int
	}{{0, 1, 2}, {1, 1, 2}, {3, 3, 4}, {7, 8, 5}, {42, 50, 6}, {100, 100, 6}, {101, 150, 4}, {99999, 100000, 6}} {
		top, ticks := niceScale(c.max)
		if top != c.top || len(ticks) != c.tick || ticks[len(ticks)-1] != top {
			t.Errorf("niceScale(%v) = %v %v, want top %v with %d ticks", c.max, top, ticks, c.top, c.tick)
		}
	}
	if m := maxValue(Chart{Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{1, 5}}, {Values: []float64{4, 2}}}}, true); m != 7 {
		t.Errorf("stacked max %v, want 7", m)
	}
	if m := maxValue(Chart{Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{1, 5}}, {Values: []float64{4, 2}}}}, false); m != 5 {
		t.Errorf("line max %v, want 5", m)
	}
}

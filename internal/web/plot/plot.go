// Package plot draws small charts as SVG on the server: line charts and
// stacked bar charts of a few series over labelled points (days). The
// output is html/template-safe markup (every label and name escaped here),
// needs no JavaScript, uses no inline styles (the pages' CSP forbids them:
// colours are the classes s0..s7 of style.css) and is accessible: the SVG
// has a <title> and a <desc>, and a data table follows it.
package plot

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one named line or bar segment: a value per label. NaN is no
// value (a gap in a line, no bar segment).
type Series struct {
	Name   string
	Values []float64
}

// Chart is what to draw.
type Chart struct {
	ID     string   // makes the ids of the title and desc unique on a page ([a-z0-9-], others dropped)
	Title  string   // the chart's name, also the SVG's <title>
	Desc   string   // what it shows, the SVG's <desc>
	Labels []string // the x axis, one per point (days, oldest first)
	Series []Series
	Width  int // the viewBox; 0: 640 x 220
	Height int
}

// Classes of series colours in style.css (s0..s7); more series reuse them.
const classes = 8

// margins of the plot area in the viewBox.
const (
	left, right, top, bottom = 44, 8, 10, 24
)

// Line draws c as lines, one per series, with a legend and a data table.
func Line(c Chart) template.HTML { return draw(c, false) }

// StackedBar draws c as bars, a bar per label stacking the series.
func StackedBar(c Chart) template.HTML { return draw(c, true) }

func draw(c Chart, stacked bool) template.HTML {
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = 640, 220
	}
	id := cleanID(c.ID)
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<figure class="plot" id="%s">`, id)
	fmt.Fprintf(&b, `<figcaption>%s</figcaption>`, esc(c.Title))
	if len(c.Labels) == 0 || len(c.Series) == 0 {
		fmt.Fprintf(&b, `<p class="empty">No data to plot yet.</p></figure>`)
		return template.HTML(b.String())
	}
	ymax := maxValue(c, stacked)
	top0, ticks := niceScale(ymax)
	pw, ph := float64(c.Width-left-right), float64(c.Height-top-bottom)
	n := len(c.Labels)
	step := pw / float64(n)
	x := func(i int) float64 { return float64(left) + step*(float64(i)+0.5) }
	y := func(v float64) float64 { return float64(top) + ph - ph*v/top0 }
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" xmlns="http://www.w3.org/2000/svg">`,
		c.Width, c.Height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(c.Title), id, esc(c.Desc))
	// The y axis: grid lines and their values.
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%s" y2="%s"/>`, left, c.Width-right, num(y(t)), num(y(t)))
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%s" text-anchor="end">%s</text>`, left-4, num(y(t)+3), num(t))
	}
	// The x axis: at most 6 labels, the first and the last among them.
	every := max(1, (n+5)/6)
	for i := range n {
		if i%every == 0 || i == n-1 && (n-1)%every >= every/2 {
			fmt.Fprintf(&b, `<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>`, num(x(i)), c.Height-6, esc(c.Labels[i]))
		}
	}
	if stacked {
		base := make([]float64, n)
		bw := math.Max(step*0.7, 1)
		for si, s := range c.Series {
			fmt.Fprintf(&b, `<g class="bar s%d"><title>%s</title>`, si%classes, esc(s.Name))
			for i := range n {
				v := value(s, i)
				if math.IsNaN(v) || v <= 0 {
					continue
				}
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"/>`,
					num(x(i)-bw/2), num(y(base[i]+v)), num(bw), num(y(base[i])-y(base[i]+v)))
				base[i] += v
			}
			b.WriteString(`</g>`)
		}
	} else {
		for si, s := range c.Series {
			var d strings.Builder
			pen := false
			for i := range n {
				v := value(s, i)
				if math.IsNaN(v) {
					pen = false
					continue
				}
				op := "L"
				if !pen {
					op = "M"
				}
				fmt.Fprintf(&d, "%s%s %s ", op, num(x(i)), num(y(v)))
				pen = true
			}
			fmt.Fprintf(&b, `<g class="line s%d"><title>%s</title><path d="%s"/>`, si%classes, esc(s.Name), strings.TrimSpace(d.String()))
			for i := range n { // points, so that a single day shows
				if v := value(s, i); !math.IsNaN(v) {
					fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2"/>`, num(x(i)), num(y(v)))
				}
			}
			b.WriteString(`</g>`)
		}
	}
	b.WriteString(`</svg>`)
	// The legend, as HTML under the chart.
	b.WriteString(`<ul class="legend">`)
	for si, s := range c.Series {
		fmt.Fprintf(&b, `<li><span class="swatch s%d"></span>%s</li>`, si%classes, esc(s.Name))
	}
	b.WriteString(`</ul>`)
	// The table fallback: the same numbers for screen readers and copying.
	fmt.Fprintf(&b, `<details><summary>Data table</summary><table class="plotdata"><thead><tr><th scope="col">%s</th>`, "Day")
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<th scope="col">%s</th>`, esc(s.Name))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, l := range c.Labels {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, esc(l))
		for _, s := range c.Series {
			v := value(s, i)
			cell := "–"
			if !math.IsNaN(v) {
				cell = num(v)
			}
			fmt.Fprintf(&b, `<td>%s</td>`, cell)
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table></details></figure>`)
	return template.HTML(b.String())
}

// value is s's value at i (NaN past its end).
func value(s Series, i int) float64 {
	if i < len(s.Values) {
		return s.Values[i]
	}
	return math.NaN()
}

// maxValue is the largest value (of the stacks, when stacked).
func maxValue(c Chart, stacked bool) float64 {
	m := 0.0
	for i := range c.Labels {
		sum := 0.0
		for _, s := range c.Series {
			v := value(s, i)
			if math.IsNaN(v) || v < 0 {
				continue
			}
			if stacked {
				sum += v
			} else {
				m = math.Max(m, v)
			}
		}
		m = math.Max(m, sum)
	}
	return m
}

// niceScale returns the top of the y axis (a 1, 2 or 5 times a power of
// ten at or above max; at least 1) and its grid values, 0 included.
func niceScale(m float64) (float64, []float64) {
	if m <= 1 || math.IsNaN(m) || math.IsInf(m, 0) {
		return 1, []float64{0, 1}
	}
	raw := m / 5 // at most about six grid lines
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	var step float64
	switch f := raw / p; {
	case f <= 1:
		step = p
	case f <= 2:
		step = 2 * p
	case f <= 5:
		step = 5 * p
	default:
		step = 10 * p
	}
	step = math.Max(step, 1) // host counts: whole numbers
	step = math.Ceil(step)
	top := step * math.Ceil(m/step)
	var ticks []float64
	for t := 0.0; t <= top+step/2; t += step {
		ticks = append(ticks, t)
	}
	return top, ticks
}

// num formats a coordinate or value: at most one decimal.
func num(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// cleanID keeps [a-z0-9-] of id ("plot" when nothing is left).
func cleanID(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 || b.String()[0] < 'a' {
		return "plot-" + b.String()
	}
	return b.String()
}

package web

import (
	"html/template"
	"net/url"
	"strings"
)

// The findings table of a host page is written here, not by the
// template: a host with 1,500 packages has over a thousand CVE links, and
// html/template spends about 40 µs of reflection and escaping per link
// (most of the page's time). The markup is the template's of before
// (hostfindings_test.go renders both and compares), escaped as
// html/template escapes text and quoted attributes.

// htmlEscaper escapes text and quoted attribute values as html/template
// does (its htmlEscaper: NUL, quotes, &, +, <, >).
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// findingRows returns the rows (<tr>...</tr>) of the findings table of
// groups.
func findingRows(groups []packageFindings, kev map[string]bool) template.HTML {
	var b strings.Builder
	n := 0
	for _, g := range groups {
		n += len(g.Findings)
	}
	// Sized from what a row and a finding take (~500 and ~240 bytes): a
	// host with thousands of findings is written without the builder
	// growing (and copying) itself ten times.
	b.Grow(len(groups)*600 + n*300)
	esc := func(s string) { htmlEscaper.WriteString(&b, s) }
	for _, g := range groups {
		b.WriteString("<tr>\n  <td>")
		esc(g.Package)
		if g.Source != "" && g.Source != g.Package {
			b.WriteString(` <span class="muted">(`)
			esc(g.Source)
			if g.Basis == "binary-name" {
				b.WriteString("?")
			}
			b.WriteString(")</span>")
		}
		b.WriteString("</td>\n  <td>")
		esc(g.Version)
		b.WriteString("</td>\n  <td>")
		if g.Fixed != "" {
			esc(g.Fixed)
		} else {
			b.WriteString(`<span class="muted">no fix yet</span>`)
		}
		b.WriteString("</td>\n  <td class=\"sev-")
		b.WriteString(sevClass(g.Severity))
		b.WriteString(`">`)
		if g.Severity != "" {
			esc(g.Severity)
		} else {
			b.WriteString("unknown")
		}
		b.WriteString("</td>\n  <td class=\"advisories\">")
		for i, a := range g.Advisories {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(`<a href="/advisories/`)
			esc(url.PathEscape(a))
			b.WriteString(`">`)
			esc(a)
			b.WriteString("</a>")
			if i < len(g.VendorLinks) && g.VendorLinks[i] != "" {
				b.WriteString(`<a class="ext" href="`)
				esc(g.VendorLinks[i])
				b.WriteString(`" rel="external noopener" title="the vendor's page">↗</a>`)
			}
		}
		b.WriteString("</td>\n  <td class=\"cves\">")
		for _, f := range g.Findings {
			b.WriteString(`<a href="/`)
			if f.CVE == f.AdvisoryID {
				b.WriteString("advisories")
			} else {
				b.WriteString("cves")
			}
			b.WriteString("/")
			esc(url.PathEscape(f.CVE))
			b.WriteString(`" class="cve sev-`)
			b.WriteString(sevClass(f.Severity))
			b.WriteString(`" title="`)
			esc(f.Status)
			if f.FixedVersion != "" {
				b.WriteString(", fixed in ")
				esc(f.FixedVersion)
			}
			if f.AdvisoryID != "" {
				b.WriteString(" (")
				esc(f.AdvisoryID)
				b.WriteString(")")
			}
			b.WriteString("; ")
			esc(f.Severity)
			b.WriteString("; ")
			esc(f.Origin)
			if !f.FirstSeen.IsZero() {
				b.WriteString("; first seen ")
				b.WriteString(f.FirstSeen.UTC().Format("2006-01-02 15:04 UTC"))
			}
			b.WriteString(`">`)
			esc(f.CVE)
			b.WriteString("</a>")
			switch {
			case f.FixedVersion == "":
				b.WriteString(`<span class="status">`)
				esc(string(f.VendorStatus))
				b.WriteString("</span>")
			case f.Status == "unfixed":
				b.WriteString(`<span class="status">`)
				esc(f.Basis)
				b.WriteString("</span>")
			}
			if f.Status == "reboot-pending" {
				b.WriteString(`<span class="status">reboot pending</span>`)
			}
			if kev[f.CVE] {
				b.WriteString(`<span class="kev" title="in CISA's Known Exploited Vulnerabilities catalogue">exploited</span>`)
			}
			for _, tag := range f.Tags {
				b.WriteString(`<span class="tag">`)
				esc(tag)
				b.WriteString("</span>")
			}
			b.WriteString(" ")
		}
		b.WriteString("</td>\n</tr>")
	}
	return template.HTML(b.String())
}

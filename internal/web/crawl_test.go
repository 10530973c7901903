package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// crawlPerPath bounds the distinct queries crawled per path (the filter,
// sort and page links of a listing multiply), crawlMax the whole crawl.
const (
	crawlPerPath = 6
	crawlMax     = 800
)

// crawled is one response of the crawl.
type crawled struct {
	url    string
	status int
	ctype  string
	body   string
}

// crawl fetches every entry point and, from each HTML page, every
// same-origin link (a, link, img, script, form actions), breadth first.
func crawl(t *testing.T, c *http.Client, base string, entries []string) []crawled {
	t.Helper()
	bu, _ := url.Parse(base)
	seen := map[string]bool{}
	perPath := map[string]int{}
	queue := slices.Clone(entries)
	var out []crawled
	for len(queue) > 0 && len(out) < crawlMax {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		pu, err := url.Parse(u)
		if err != nil {
			t.Errorf("bad link %q: %v", u, err)
			continue
		}
		if perPath[pu.Path]++; perPath[pu.Path] > crawlPerPath {
			continue
		}
		resp, err := c.Get(base + u)
		if err != nil {
			t.Errorf("GET %s: %v", u, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		p := crawled{url: u, status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(b)}
		out = append(out, p)
		if loc := resp.Header.Get("Location"); loc != "" {
			if l, ok := sameOrigin(bu, pu, loc); ok {
				queue = append(queue, l)
			}
		}
		if !strings.HasPrefix(p.ctype, "text/html") {
			continue
		}
		for _, link := range pageLinks(p.body) {
			if l, ok := sameOrigin(bu, pu, link); ok && !seen[l] {
				queue = append(queue, l)
			}
		}
	}
	return out
}

// sameOrigin resolves ref against page and returns its path and query
// when it is on base's origin.
func sameOrigin(base, page *url.URL, ref string) (string, bool) {
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", false
	}
	abs := base.ResolveReference(page).ResolveReference(r)
	if abs.Scheme != base.Scheme || abs.Host != base.Host {
		return "", false
	}
	abs.Fragment = ""
	if abs.RawQuery != "" {
		return abs.EscapedPath() + "?" + abs.RawQuery, true
	}
	return abs.EscapedPath(), true
}

// urlAttrs are the attributes that hold a URL.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true,
	"data": true, "poster": true, "background": true, "cite": true, "ping": true}

// pageLinks lists the URLs an HTML page points to.
func pageLinks(body string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			tk := z.Token()
			for _, a := range tk.Attr {
				if urlAttrs[a.Key] && a.Val != "" {
					out = append(out, a.Val)
				}
			}
		}
	}
}

// htmlProblems says what in an HTML page could run or mislead: an event
// handler attribute, an inline or foreign script, a javascript:, vbscript:
// or data:text/html URL, an element or attribute an injected payload
// made, a payload's markup verbatim.
func htmlProblems(body string) []string {
	var out []string
	for _, raw := range []string{"<script>alert", "<img src=x", "<script>"} {
		if strings.Contains(body, raw) {
			out = append(out, fmt.Sprintf("raw %q in the page", raw))
		}
	}
	z := html.NewTokenizer(strings.NewReader(body))
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				out = append(out, "tokenizer: "+z.Err().Error())
			}
			return out
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				out = append(out, fmt.Sprintf("inline script %.80q", z.Text()))
			}
		case html.EndTagToken:
			if tk := z.Token(); tk.Data == "script" {
				inScript = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tk := z.Token()
			if strings.Contains(tk.Data, "alert") || strings.ContainsAny(tk.Data, `"'<>`) {
				out = append(out, fmt.Sprintf("element <%.60s> made by a payload", tk.Data))
			}
			if tk.Data == "script" {
				inScript = tt == html.StartTagToken
				src := attr(tk, "src")
				if !strings.HasPrefix(src, "/static/") {
					out = append(out, fmt.Sprintf("script with src %q (only /static/ scripts)", src))
				}
			}
			for _, a := range tk.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || strings.Contains(key, "alert") || strings.ContainsAny(key, `"'<>`) {
					out = append(out, fmt.Sprintf("<%s %.60s=%.60q>: attribute made by a payload", tk.Data, a.Key, a.Val))
				}
				if urlAttrs[key] && dangerousURL(a.Val) {
					out = append(out, fmt.Sprintf("<%s %s=%.60q>: a URL that runs", tk.Data, a.Key, a.Val))
				}
				if key == "src" && a.Val == "x" {
					out = append(out, fmt.Sprintf("<%s src=x>: the payload's image", tk.Data))
				}
			}
		}
	}
}

func attr(tk html.Token, key string) string {
	for _, a := range tk.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// dangerousURL reads a URL as a browser does (control characters and
// white space inside the scheme are dropped) and tells whether it runs.
func dangerousURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(v))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text/html")
}

// crawlEntries are the GET routes, each filled with the fixture's values,
// and the front page.
func (f *crawlFixture) crawlEntries(t *testing.T) []string {
	entries := []string{"/"}
	for _, p := range getRoutes(t) {
		entries = append(entries, f.fill(p)...)
	}
	return entries
}

// TestCrawlHostilePages crawls every GET route and every link reached
// from them, as an admin with a session and as nobody, over a fleet whose
// names are hostile: no page fails (5xx), none lets a payload become
// markup, none links to a javascript: URL.
func TestCrawlHostilePages(t *testing.T) {
	f := newCrawlFixture(t)
	routes := getRoutes(t)
	for _, must := range []string{"/hosts", "/hosts/{hostname}", "/cves/{id}", "/api/v1/hosts", "/login", "/static/"} {
		if !slices.Contains(routes, must) {
			t.Errorf("route %s not found by getRoutes (%v): the route scan is broken", must, routes)
		}
	}
	for _, who := range []struct {
		name   string
		client *http.Client
	}{{"admin", f.adminClient(t)}, {"anonymous", anonClient()}} {
		t.Run(who.name, func(t *testing.T) {
			pages := crawl(t, who.client, f.srv.URL, f.crawlEntries(t))
			htmlPages := 0
			for _, p := range pages {
				if p.status >= 500 {
					t.Errorf("GET %s: %d %.200s", p.url, p.status, p.body)
				}
				if !strings.HasPrefix(p.ctype, "text/html") {
					continue
				}
				htmlPages++
				for _, pr := range htmlProblems(p.body) {
					t.Errorf("GET %s: %s", p.url, pr)
				}
			}
			t.Logf("%s: %d responses, %d HTML pages", who.name, len(pages), htmlPages)
			if who.name == "admin" {
				// The crawl saw the hostile values: not a crawl of login pages.
				f.checkCoverage(t, pages)
			}
		})
	}
}

// checkCoverage: every stored host's page was fetched and showed its name.
func (f *crawlFixture) checkCoverage(t *testing.T, pages []crawled) {
	t.Helper()
	byURL := map[string]crawled{}
	for _, p := range pages {
		byURL[p.url] = p
	}
	for _, h := range f.hosts {
		p, ok := byURL["/hosts/"+url.PathEscape(h)]
		if !ok || p.status != 200 || !strings.Contains(p.body, html.EscapeString(h)) && !strings.Contains(p.body, escapedLikeTemplate(h)) {
			t.Errorf("host page of %q: fetched %v, status %d, name shown escaped: no", h, ok, p.status)
		}
	}
}

// escapedLikeTemplate escapes s as html/template does in text: as
// html.EscapeString, and + as &#43; too.
func escapedLikeTemplate(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// TestCrawlIntakeRefuses: the payloads that cannot be host names are
// refused at the intake (so the crawl's fixture cannot hold them): a
// closing tag's /, the RTL override, a name longer than DNS's. (A blank
// is no refusal: the host line lists names, the first one counts.)
func TestCrawlIntakeRefuses(t *testing.T) {
	f := newCrawlFixture(t)
	_, pkgs := vikingDB(t)
	for _, host := range []string{payloads[0], payloads[3], strings.Repeat("a", 254)} {
		resp, err := http.Post(f.srv.URL+"/feed/?protocol=6", "text/plain", strings.NewReader(p6Report(host, "S", "Debian GNU/Linux 11", "", pkgs)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "host name") {
			t.Errorf("host %.40q: %s %.200s, want 400 naming the host name", host, resp.Status, b)
		}
	}
}

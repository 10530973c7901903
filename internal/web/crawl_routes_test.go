package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// routeSources are the packages whose files register the server's routes
// (web.New calls auth.Routes).
var routeSources = []string{".", "../auth"}

// getRoutes lists every GET route pattern the server registers, without a
// table to keep up to date: every string literal "GET /..." in the
// non-test files of routeSources (mux.HandleFunc("GET /sites", ...) and
// the like, wherever a page is added), plus the API routes that New
// registers in a loop (apiRoutes). A page added by anyone is crawled the
// day it lands.
func getRoutes(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, r := range allRoutes(t) {
		if p, ok := strings.CutPrefix(r, "GET "); ok {
			out = append(out, p)
		}
	}
	return out
}

// allRoutes lists the patterns with their method ("POST /admin/grants/revoke").
func allRoutes(t testing.TB) []string {
	t.Helper()
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, dir := range routeSources {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH"} {
					if strings.HasPrefix(v, m+" /") {
						seen[v] = true
					}
				}
				return true
			})
		}
	}
	for _, r := range (&Server{}).apiRoutes() {
		seen["GET "+r.path] = true
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// fill turns a route pattern into the paths to fetch: each wildcard takes
// every value the fixture has for it (host names, sites, ids...).
func (f *crawlFixture) fill(pattern string) []string {
	pattern = strings.TrimSuffix(pattern, "{$}")
	if strings.HasSuffix(pattern, "/") && strings.HasPrefix(pattern, "/static/") {
		return []string{pattern + "style.css"}
	}
	paths := []string{""}
	for _, seg := range strings.Split(strings.TrimPrefix(pattern, "/"), "/") {
		vals := []string{seg}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			vals = f.values(pattern, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
		var next []string
		for _, p := range paths {
			for _, v := range vals {
				next = append(next, p+"/"+v)
			}
		}
		paths = next
	}
	return paths
}

// values are the escaped path segments a wildcard named name takes.
func (f *crawlFixture) values(pattern, name string) []string {
	esc := func(vs ...string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = url.PathEscape(v)
		}
		return out
	}
	rules := []string{}
	for _, id := range f.rules {
		rules = append(rules, strconv.FormatInt(id, 10))
	}
	switch {
	case strings.Contains(name, "host"):
		return esc(f.hosts...)
	case strings.Contains(name, "site"):
		return esc(f.sites...)
	case strings.Contains(name, "tag"):
		return esc(payloads...)
	case strings.Contains(name, "package") || name == "name":
		return esc("openssl", payloads[0], payloads[1])
	case strings.Contains(pattern, "/cves/") || name == "cve":
		return esc(crawlCVE, "CVE-1999-0001")
	case strings.Contains(pattern, "/advisories/"):
		return esc(crawlAdvisory, "DSA-0000-1")
	case strings.Contains(pattern, "os-rules"):
		return append(rules, "999999")
	}
	// A wildcard this table does not know: a value of each kind, so the
	// route is at least requested (its links are crawled in any case).
	return esc(crawlGoodHost, f.sites[1], crawlCVE, crawlAdvisory, payloads[0])
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// openAPIChecker validates JSON values against the schemas of
// openapi.json: $ref, type (one or a list), enum, required, properties
// (a property the schema does not name is an error, so the document
// cannot fall behind the answers), additionalProperties, items and the
// date-time format.
type openAPIChecker struct {
	doc map[string]any
}

func (c openAPIChecker) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = c.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		s = cur.(map[string]any)
	}
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func (c openAPIChecker) check(s map[string]any, v any, at string) []string {
	s = c.resolve(s)
	var errs []string
	got := jsonType(v)
	if t, ok := s["type"]; ok {
		var types []string
		switch tt := t.(type) {
		case string:
			types = []string{tt}
		case []any:
			for _, x := range tt {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
			return append(errs, fmt.Sprintf("%s: %s, schema says %v", at, got, types))
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v not in %v", at, v, enum))
	}
	if s["format"] == "date-time" && got == "string" {
		if _, err := time.Parse(time.RFC3339Nano, v.(string)); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is no date-time", at, v))
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := x[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required %q missing", at, r))
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, c.check(ps, x[k], at+"."+k)...)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, c.check(ap, x[k], at+"."+k)...)
			} else if props != nil {
				errs = append(errs, fmt.Sprintf("%s: property %q not in the schema", at, k))
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				errs = append(errs, c.check(items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func asStrings(v any) []string {
	var out []string
	for _, x := range asSlice(v) {
		out = append(out, x.(string))
	}
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// responseSchema is the JSON schema of route's answer with code.
func (c openAPIChecker) responseSchema(route string, code int) (map[string]any, bool) {
	op, ok := c.doc["paths"].(map[string]any)[route].(map[string]any)["get"].(map[string]any)
	if !ok {
		return nil, false
	}
	resp, ok := op["responses"].(map[string]any)[fmt.Sprint(code)].(map[string]any)
	if !ok {
		return nil, false
	}
	resp = c.resolve(resp)
	s, ok := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	return s, ok
}

// TestOpenAPIResponses: a real answer of every API route, on the listing
// tests' fleet (DSA-5343-1, tags and exceptions set), is valid against
// the schema openapi.json gives for its status.
func TestOpenAPIResponses(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	c := openAPIChecker{doc: doc}
	srv, st := newListServer(t, true)
	ctx := context.Background()
	at := time.Date(2023, 2, 8, 10, 0, 0, 0, time.UTC)
	if err := st.PutTag(ctx, store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "X.400", Enabled: true, Author: "csirt", ModifiedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutException(ctx, store.Exception{CVE: "CVE-2022-4450", Package: "openssl", ScopeKind: store.ScopeSite, Scope: "SITE-B",
		Reason: "rebuilt", Author: "admin", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	samples := map[string][]string{ // route -> requests answering JSON
		"/api/v1/hosts":                     {"/api/v1/hosts", "/api/v1/hosts?sort=os&data_state=partial", "/api/v1/hosts?all=1", "/api/v1/hosts?inline=1&sort=-reports"},
		"/api/v1/hosts/{hostname}":          {"/api/v1/hosts/two.example.org", "/api/v1/hosts/old.example.org?history=1"},
		"/api/v1/hosts/{hostname}/history":  {"/api/v1/hosts/old.example.org/history"},
		"/api/v1/hosts/{hostname}/changes":  {"/api/v1/hosts/old.example.org/changes", "/api/v1/hosts/two.example.org/changes?limit=1&offset=1"},
		"/api/v1/hosts/{hostname}/packages": {"/api/v1/hosts/two.example.org/packages"},
		"/api/v1/hosts/{hostname}/findings": {"/api/v1/hosts/old.example.org/findings", "/api/v1/hosts/nosuch.example.org/findings"},
		"/api/v1/sites":                     {"/api/v1/sites", "/api/v1/sites?from=2000-01-01&to=2100-01-01", "/api/v1/sites?to=2000-01-01"},
		"/api/v1/sites/{site}/history":      {"/api/v1/sites/SITE-B/history"},
		"/api/v1/sites/{site}":              {"/api/v1/sites/SITE-B", "/api/v1/sites/SITE-B?from=2000-01-01"},
		"/api/v1/dashboard":                 {"/api/v1/dashboard", "/api/v1/dashboard?days=7"},
		"/api/v1/stats":                     {"/api/v1/stats"},
		"/api/v1/cves":                      {"/api/v1/cves", "/api/v1/cves?sort=nope"},
		"/api/v1/cves/{id}":                 {"/api/v1/cves/CVE-2023-0286"},
		"/api/v1/packages":                  {"/api/v1/packages?name=openssl", "/api/v1/packages"},
		"/api/v1/sources":                   {"/api/v1/sources"},
		"/api/v1/oses":                      {"/api/v1/oses"},
		"/api/v1/tags":                      {"/api/v1/tags"},
		"/api/v1/exceptions":                {"/api/v1/exceptions"},
		"/api/v1/advisories/{id}":           {"/api/v1/advisories/DSA-5343-1"},
		"/api/v1/os-rules":                  {"/api/v1/os-rules?system=Debian+GNU/Linux+11"},
		"/api/v1/os-rules/{id}":             {"/api/v1/os-rules/999"},
		"/api/v1/me":                        {"/api/v1/me"},
		"/api/v1/audit":                     {"/api/v1/audit"},
	}
	// The host findings' tagged filter, a CVE with an exception, the CVE
	// autocomplete (with bad input: 400).
	samples["/api/v1/hosts/{hostname}/findings"] = append(samples["/api/v1/hosts/{hostname}/findings"],
		"/api/v1/hosts/old.example.org/findings?tagged=1", "/api/v1/hosts/old.example.org/findings?tagged=yes")
	samples["/api/v1/cves/{id}"] = append(samples["/api/v1/cves/{id}"], "/api/v1/cves/CVE-2022-4450")
	samples["/api/v1/cve-suggestions"] = []string{"/api/v1/cve-suggestions?q=cve-2023", "/api/v1/cve-suggestions?q=CVE-2022-4&limit=2",
		"/api/v1/cve-suggestions?q=cv", "/api/v1/cve-suggestions?q=CVE-2023&limit=101"}
	for _, r := range (&Server{}).apiRoutes() {
		reqs := samples[r.path]
		if len(reqs) == 0 {
			t.Errorf("%s: no sample request", r.path)
		}
		for _, path := range reqs {
			code, hd, body := get(t, srv.URL+path)
			if !strings.HasPrefix(hd.Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %s", path, code, hd.Get("Content-Type"))
				continue
			}
			s, ok := c.responseSchema(r.path, code)
			if !ok {
				t.Errorf("%s: status %d not documented", path, code)
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			for _, e := range c.check(s, v, path) {
				t.Error(e)
			}
		}
	}
	// The old API's content types are the documented ones.
	for _, path := range []string{"/api/hosts.php", "/api/cve.php?cve=CVE-2023-0286", "/api/cve.php?cve=CVE-2023-0286&type=xml",
		"/api/exportCvesTags.php", "/api/exportCvesExceptions.php"} {
		code, hd, _ := get(t, srv.URL+path)
		route, _, _ := strings.Cut(path, "?")
		ct, _, _ := strings.Cut(hd.Get("Content-Type"), ";")
		resp, _ := doc["paths"].(map[string]any)[route].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)[fmt.Sprint(code)].(map[string]any)
		if _, ok := resp["content"].(map[string]any)[ct]; !ok {
			t.Errorf("%s: %d %s not documented", path, code, ct)
		}
	}
}

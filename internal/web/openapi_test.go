package web

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
)

// TestOpenAPIMatchesRoutes: every API route is documented and every
// documented path is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths      map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var documented, served []string
	for p := range doc.Paths {
		documented = append(documented, p)
	}
	for _, r := range (&Server{}).apiRoutes() {
		served = append(served, r.path)
	}
	served = append(served, oldAPIPaths...) // also under /pakiti/
	sort.Strings(documented)
	sort.Strings(served)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Errorf("routes (-served +documented):\n%s", diff)
	}
	// The schemas name every JSON field of the types they describe.
	for schema, typ := range map[string]any{"Host": model.Host{}, "Finding": model.Finding{}, "Package": model.Package{}, "Advisory": model.Advisory{}} {
		props := doc.Components.Schemas[schema].Properties
		rt := reflect.TypeOf(typ)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if _, ok := props[name]; !ok {
				t.Errorf("schema %s lacks field %q of %s", schema, name, rt.Name())
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	srv := newTestServer(t)
	code, hd, body := get(t, srv.URL+"/api/v1/openapi.json")
	if code != 200 || hd.Get("Content-Type") != "application/json" || !strings.Contains(body, `"openapi": "3.1.0"`) {
		t.Errorf("%d %v %.80s", code, hd, body)
	}
}

package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// checkSchema checks a JSON answer against a schema of openapi.json
// ("#/components/schemas/X" or a path's 200 answer, "GET /api/v1/x"): the
// subset of JSON Schema the document uses (type, properties, required,
// items, additionalProperties, enum, $ref, format date and date-time).
func checkSchema(t *testing.T, where string, body []byte) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var schema any
	if path, ok := strings.CutPrefix(where, "GET "); ok {
		schema = dig(doc, "paths", path, "get", "responses", "200", "content", "application/json", "schema")
	} else {
		schema = map[string]any{"$ref": where}
	}
	if schema == nil {
		t.Fatalf("openapi.json has no schema for %s", where)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, e := range validate(doc, schema, v, "$") {
		t.Errorf("%s: %s", where, e)
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func validate(doc map[string]any, schema, v any, at string) []string {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		target := dig(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...)
		if target == nil {
			return []string{at + ": unknown $ref " + ref}
		}
		return validate(doc, target, v, at)
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, a...)) }
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || fmt.Sprint(e) == fmt.Sprint(v)
		}
		if !found {
			bad("%v not in %v", v, enum)
		}
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("not an object: %.60v", v)
			return errs
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := m[r]; !ok {
				bad("lacks required %q", r)
			}
		}
		for k, x := range m {
			if p, ok := props[k]; ok {
				errs = append(errs, validate(doc, p, x, at+"."+k)...)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, validate(doc, ap, x, at+"."+k)...)
			} else if props != nil {
				bad("undocumented field %q", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("not an array: %.60v", v)
			return errs
		}
		for i, x := range a {
			errs = append(errs, validate(doc, s["items"], x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("not a string: %.60v", v)
			return errs
		}
		layout := map[any]string{"date": time.DateOnly, "date-time": time.RFC3339Nano}[s["format"]]
		if _, err := time.Parse(layout, str); layout != "" && err != nil {
			bad("not a %v: %q", s["format"], str)
		}
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			bad("not a number: %.60v", v)
			return errs
		}
		f, err := n.Float64()
		if err != nil || s["type"] == "integer" && f != math.Trunc(f) {
			bad("not an %v: %v", s["type"], n)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("not a boolean: %.60v", v)
		}
	}
	return errs
}

func asList(v any) []string {
	var out []string
	for _, x := range asAny(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func asAny(v any) []any { a, _ := v.([]any); return a }

// TestSchemaCheckFails: the checker refuses what the schemas refuse (a
// checker that accepts anything would make the answer tests vacuous).
func TestSchemaCheckFails(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	ref := map[string]any{"$ref": "#/components/schemas/SiteSummary"}
	for _, c := range []struct{ name, body string }{
		{"missing required", `{"name": "x"}`},
		{"wrong type", `{"name": 1, "contact": "", "url": "", "note": "", "hosts": 1, "exposed": 0, "stale": 0, "exposed_by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "other": 0}, "tagged": {}, "tagged_hosts": 0}`},
		{"undocumented field", `{"name": "x", "contact": "", "url": "", "note": "", "hosts": 1, "exposed": 0, "stale": 0, "exposed_by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "other": 0}, "tagged": {}, "tagged_hosts": 0, "secret": 1}`},
		{"fraction", `{"name": "x", "contact": "", "url": "", "note": "", "hosts": 1.5, "exposed": 0, "stale": 0, "exposed_by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "other": 0}, "tagged": {}, "tagged_hosts": 0}`},
	} {
		dec := json.NewDecoder(strings.NewReader(c.body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if errs := validate(doc, ref, v, "$"); len(errs) == 0 {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

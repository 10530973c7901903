package alpine

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/jsontok"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// TestJSONShapes: key order, null collections. The records are real
// (v3.8/main.yaml 282-293: cyrus-sasl 2.1.26-r7 CVE-2013-4122, db "0"
// CVE-2016-0682); the documents are constructed in the served JSON form.
func TestJSONShapes(t *testing.T) {
	want := []model.Advisory{
		{Source: SourceSecdb, OSGroup: "alpine:3.8", Package: "cyrus-sasl", CVE: "CVE-2013-4122", FixedVersion: "2.1.26-r7", Status: model.StatusFixed},
		{Source: SourceSecdb, OSGroup: "alpine:3.8", Package: "db", CVE: "CVE-2016-0682", Status: model.StatusNotAffected},
	}
	pkgs := `[{"pkg":{"name":"cyrus-sasl","secfixes":{"2.1.26-r7":["CVE-2013-4122"]}}},{"pkg":{"secfixes":{"0":["CVE-2016-0682"]},"name":"db"}},{"pkg":{"name":"x","secfixes":null}},{"pkg":{"name":"y","secfixes":{"1-r0":null}}}]`
	for _, tc := range []struct{ name, doc string }{
		{"served order", `{"apkurl":"{{urlprefix}}/x.apk","archs":["x86_64"],"reponame":"main","urlprefix":"https://dl-cdn.alpinelinux.org/alpine","distroversion":"v3.8","packages":` + pkgs + `}`},
		{"packages first", `{"packages":` + pkgs + `,"distroversion":"v3.8","reponame":"main"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, jsonBytes, []byte(tc.doc))
			if diff := cmp.Diff(want, got.Records); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONRefused(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", "", "empty document"},
		{"array", `[]`, "an object expected, found a list"},
		{"no distroversion", `{"packages":[]}`, "no distroversion"},
		{"unknown key", `{"distroversion":"v3.20","extra":1}`, `unknown key "extra"`},
		{"unknown pkg key", `{"distroversion":"v3.20","packages":[{"pkg":{"name":"a","fixes":{}}}]}`, `package 1 (a): byte 63: unknown key "fixes" in pkg`},
		{"secfixes list", `{"distroversion":"v3.20","packages":[{"pkg":{"name":"a","secfixes":[]}}]}`, "secfixes: an object expected, found a list"},
		{"id not a string", `{"distroversion":"v3.20","packages":[{"pkg":{"name":"a","secfixes":{"1-r0":[1]}}}]}`, "secfixes 1-r0: a string expected, found a number"},
		{"item without an id", `{"distroversion":"v3.20","packages":[{"pkg":{"name":"a","secfixes":{"1-r0":["see upstream"]}}}]}`, `list item "see upstream" does not start with an id`},
		{"truncated", `{"distroversion":"v3.20","packages":[{"pkg":{"name":"a"`, "package 1 (a): unexpected end of input"},
		{"trailing data", `{"distroversion":"v3.20"} {}`, "data after the document"},
		{"no name", `{"distroversion":"v3.20","packages":[{"pkg":{}}]}`, "pkg entry without a name"},
		{"huge string", `{"distroversion":"` + strings.Repeat("v", maxJSONValue+2*jsontok.ReadChunk) + `"}`, "a value is larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJSON(context.Background(), strings.NewReader(tc.doc), func(model.Advisory) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSourceParseSniffs(t *testing.T) {
	for _, name := range []string{"v3.8_main.excerpt.yaml", "v3.8_main.excerpt.json"} {
		n := 0
		err := New().Parse(context.Background(), sourceDoc(name, strings.NewReader(string(sourcetest.Testdata(t, name)))), func(model.Advisory) error { n++; return nil })
		if err != nil || n != 61 {
			// v3.8_main.excerpt: 61 item lines of one CVE each, no CVE twice in a package
			// (cyrus-sasl 1, db 5, mariadb 55).
			t.Errorf("%s: %d records, error %v; want 61", name, n, err)
		}
	}
	err := New().Parse(context.Background(), sourceDoc("main.json", strings.NewReader(" \n")), func(model.Advisory) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "main.json: empty document") {
		t.Errorf("blank document: %v", err)
	}
}

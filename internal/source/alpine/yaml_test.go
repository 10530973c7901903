package alpine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

const yamlHead = "---\ndistroversion: v3.11\nreponame: main\narchs:\n  - x86_64\nurlprefix: http://dl-cdn.alpinelinux.org/alpine\napkurl: \"{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk\"\npackages:\n"

// TestYAMLShapes reads layouts YAML allows and other secdb writers use.
// The packages and ids are real (v3.11/main.yaml lines 11-30: ansible
// 2.9.3-r0 CVE-2019-14904, 2.8.6-r0 CVE-2019-14846); the layouts are
// constructed, each after a real one: vunnel's fixture writes lists at
// their key's column, with single-quoted apkurl and keys sorted.
func TestYAMLShapes(t *testing.T) {
	ansible := []model.Advisory{
		{Source: SourceSecdb, OSGroup: "alpine:3.11", Package: "ansible", CVE: "CVE-2019-14904", FixedVersion: "2.9.3-r0", Status: model.StatusFixed},
		{Source: SourceSecdb, OSGroup: "alpine:3.11", Package: "ansible", CVE: "CVE-2019-14846", FixedVersion: "2.8.6-r0", Status: model.StatusFixed},
	}
	for _, tc := range []struct {
		name, doc string
		want      []model.Advisory
	}{
		{"real layout", yamlHead + "  - pkg:\n      name: ansible\n      secfixes:\n        2.9.3-r0:\n          - CVE-2019-14904\n        2.8.6-r0:\n          - CVE-2019-14846\n", ansible},
		{"lists at their key's column, keys sorted (vunnel)", "apkurl: '{{urlprefix}}/{{pkg.name}}-{{pkg.ver}}.apk'\narchs:\n- x86_64\ndistroversion: v3.11\npackages:\n- pkg:\n    name: ansible\n    secfixes:\n      2.9.3-r0:\n      - CVE-2019-14904\n      2.8.6-r0:\n      - CVE-2019-14846\nreponame: main\nurlprefix: http://dl-cdn.alpinelinux.org/alpine\n", ansible},
		{"CRLF, BOM, comments, quoted keys and values", "\ufeffdistroversion: \"v3.11\"   # branch\r\nreponame: 'main'\r\npackages:\r\n  # first\r\n  - pkg:\r\n      name: \"ansible\"\r\n      secfixes:\r\n        '2.9.3-r0':   # newest\r\n          - \"CVE-2019-14904\"\r\n\r\n        \"2.8.6-r0\":\r\n          - CVE-2019-14846 # comment\r\n", ansible},
		{"distroversion after the packages", "packages:\n  - pkg:\n      name: ansible\n      secfixes:\n        2.9.3-r0:\n          - CVE-2019-14904\n        2.8.6-r0:\n          - CVE-2019-14846\ndistroversion: v3.11\n", ansible},
		{"secfixes empty, {} or missing; empty packages list", "distroversion: v3.11\npackages:\n  - pkg:\n      name: a\n      secfixes:\n  - pkg:\n      name: b\n      secfixes: {}\n  - pkg:\n      name: c\n", nil},
		{"packages: []", "distroversion: edge\npackages: []\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, yamlBytes, []byte(tc.doc))
			if diff := cmp.Diff(tc.want, got.Records); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestYAMLRefused: what the reader does not understand is an error that
// names the line.
func TestYAMLRefused(t *testing.T) {
	pkg := "  - pkg:\n      name: ansible\n      secfixes:\n        2.9.3-r0:\n" // lines 9-12 after yamlHead
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"empty", "", "secdb YAML: empty document"},
		{"only comments", "# x\n\n", "secdb YAML: empty document"},
		{"no distroversion", "packages:\n", "secdb YAML: no distroversion"},
		{"bad distroversion", "distroversion: 3.11\n", "line 1: distroversion \"3.11\" is not an Alpine branch"},
		{"unknown top key", "distroversion: v3.11\nsecdb: x\n", "line 2: unknown top-level key \"secdb\""},
		{"unknown pkg key", yamlHead + "  - pkg:\n      name: a\n      version: 1\n", "line 11: unknown key \"version\" in pkg"},
		{"tab", yamlHead + "\t- pkg:\n", "line 9: tab in indentation"},
		{"second document", yamlHead + "---\n", "line 9: a second document"},
		{"flow list of ids", yamlHead + pkg + "          - [CVE-2019-14904]\n", "line 13: YAML construct not read"},
		{"anchor", yamlHead + pkg + "          - &a CVE-2019-14904\n", "line 13: YAML construct not read"},
		{"block scalar", "distroversion: |\n", "line 1: YAML construct not read"},
		{"mapping as an item", yamlHead + pkg + "          - CVE-2019-14904: x\n", "line 13: secfixes: 2.9.3-r0: a mapping where an id is expected"},
		{"item without an id", yamlHead + pkg + "          - fixed upstream\n", "line 13: list item \"fixed upstream\" does not start with an id"},
		{"placeholder alone", yamlHead + pkg + "          - CVE-????-?????\n", "line 13: list item \"CVE-????-?????\" names no id"},
		{"continuation line", yamlHead + pkg + "          - CVE-2019-14904\n            CVE-2019-14905\n", "line 14: line at an unexpected indentation"},
		{"item under secfixes", yamlHead + "  - pkg:\n      name: a\n      secfixes:\n        - CVE-2019-14904\n", "line 12: line at an unexpected indentation"},
		{"item misaligned", yamlHead + pkg + "          - CVE-2019-14904\n           - CVE-2019-14905\n", "line 14: line at an unexpected indentation"},
		{"version key with a value", yamlHead + pkg[:len(pkg)-1] + " CVE-2019-14904\n", "line 12: secfixes: 2.9.3-r0: a list of ids expected"},
		{"pkg without name", yamlHead + "  - pkg:\n      secfixes:\n", "secdb YAML: pkg entry without a name"},
		{"name twice", yamlHead + "  - pkg:\n      name: a\n      name: b\n", "line 11: package name given twice"},
		{"unterminated quote", "distroversion: \"v3.11\n", "line 1: quoted scalar continues on the next line"},
		{"not a pkg item", yamlHead + "  - name: a\n", "line 9: packages: \"- pkg:\" expected"},
		{"long line", "distroversion: v3.11\n# " + strings.Repeat("x", maxLine) + "\n", "line 2: line longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseYAML(context.Background(), strings.NewReader(tc.doc), func(model.Advisory) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestYAMLStopsOnEmitErrorAndCancel(t *testing.T) {
	data := sourcetest.Testdata(t, "v3.10_main.excerpt.yaml")
	stop := errors.New("stop")
	if _, err := ParseYAML(context.Background(), strings.NewReader(string(data)), func(model.Advisory) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("emit error: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ParseYAML(ctx, strings.NewReader(string(data)), func(model.Advisory) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

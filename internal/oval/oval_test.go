package oval

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

// readExcerpt returns a testdata file's XML, decompressed.
func readExcerpt(t testing.TB, name string) []byte {
	t.Helper()
	return sourcetest.Read(t, filepath.Join("testdata", name))
}

// parseAll parses a document and returns its definitions by id.
func parseAll(t testing.TB, data []byte, memSpool int) (map[string]*Definition, []string, *Parser) {
	t.Helper()
	p := &Parser{MemSpool: memSpool, TempDir: t.TempDir()}
	defs := map[string]*Definition{}
	var order []string
	if err := p.Parse(context.Background(), bytes.NewReader(data), func(d *Definition) error {
		defs[d.ID] = d
		order = append(order, d.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return defs, order, p
}

// flatGolden is the golden form of a document's flattening.
type flatGolden struct {
	Stats       Stats           `json:"stats"`
	Generator   Generator       `json:"generator"`
	Definitions []flatDefGolden `json:"definitions"`
}

type flatDefGolden struct {
	ID       string       `json:"id"`
	Class    string       `json:"class"`
	Advisory string       `json:"advisory"`
	CVEs     []string     `json:"cves"`
	Error    string       `json:"error,omitempty"`
	Branches []branchGold `json:"branches,omitempty"`
}

type branchGold struct {
	Branch
	OS []string `json:"os"`
}

func TestGoldenFlatten(t *testing.T) {
	for _, name := range []string{"rhel-9-including-unpatched.oval.excerpt.xml.bz2", "rhel8-v1.excerpt.xml"} {
		t.Run(name, func(t *testing.T) {
			// A tiny memory spool forces the temporary file path.
			defs, order, p := parseAll(t, readExcerpt(t, name), 1024)
			if !p.Stats.SpoolFile {
				t.Error("spool did not move to a file")
			}
			g := flatGolden{Stats: p.Stats, Generator: p.Generator}
			for _, id := range order {
				d := defs[id]
				fd := flatDefGolden{ID: id, Class: d.Class, Advisory: d.AdvisoryID(), CVEs: d.IDs()}
				bs, err := Flatten(d)
				if err != nil {
					fd.Error = err.Error()
				}
				for _, b := range bs {
					bg := branchGold{Branch: b}
					for _, o := range b.OS {
						bg.OS = append(bg.OS, o.ReleasePackage()+" "+o.OSVersion())
					}
					fd.Branches = append(fd.Branches, bg)
				}
				g.Definitions = append(g.Definitions, fd)
			}
			checkGolden(t, name, g)
		})
	}
}

func checkGolden[T any](t *testing.T, name string, got T) {
	t.Helper()
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".bz2"), ".xml")
	sourcetest.Golden(t, filepath.Join("testdata", base+".golden.json"), got)
}

// TestSpoolInMemoryAndFileAgree reads the same document with the
// definitions' spool and the tests' and states' arenas in memory, and in
// files.
func TestSpoolInMemoryAndFileAgree(t *testing.T) {
	data := readExcerpt(t, "rhel8-v1.excerpt.xml")
	a, _, pa := parseAll(t, data, 0)
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 512 // with MemSpool 100: every full chunk of tests and states moves to a file
	b, _, pb := parseAll(t, data, 100)
	if pa.Stats.SpoolFile || !pb.Stats.SpoolFile {
		t.Fatalf("spool file: %v, %v", pa.Stats.SpoolFile, pb.Stats.SpoolFile)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Error(diff)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"not xml", "hello", "oval"},
		{"other root", "<foo/>", "root element"},
		{"empty", "", "no oval_definitions"},
		{"unclosed", "<oval_definitions><definitions><definition id='x'>", "EOF"},
		{"bad operator", "<oval_definitions><definitions><definition id='x'><criteria operator='NAND'/></definition></definitions></oval_definitions>", "operator"},
		{"criterion without ref", "<oval_definitions><definitions><definition id='x'><criteria><criterion/></criteria></definition></definitions></oval_definitions>", "test_ref"},
		{"too deep", "<oval_definitions><definitions><definition id='x'>" + strings.Repeat("<criteria>", 70) + strings.Repeat("</criteria>", 70) + "</definition></definitions></oval_definitions>", "deeper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			err := p.Parse(context.Background(), strings.NewReader(tc.doc), func(*Definition) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var p Parser
	err := p.Parse(ctx, bytes.NewReader(readExcerpt(t, "rhel8-v1.excerpt.xml")), func(*Definition) error { return nil })
	if err != context.Canceled {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

package source_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// treeSource is a constructed source (no vendor format is under test):
// each file names "group package" per line; every file is part "files",
// complete for nothing alone; together the files are complete for each
// group they name two packages or more of (a TreeCoverer).
type treeSource struct{}

func (treeSource) Name() string { return "tree" }

func (treeSource) Locations() []string { return nil }

func (treeSource) Parse(_ context.Context, doc source.Document, emit func(model.Advisory) error) error {
	b, err := io.ReadAll(doc.Body)
	if err != nil {
		return err
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		g, p, _ := strings.Cut(l, " ")
		if err := emit(model.Advisory{Source: "tree", OSGroup: g, Package: p, CVE: "CVE-2020-0001", Status: model.StatusFixed, FixedVersion: "1"}); err != nil {
			return err
		}
	}
	return nil
}

func (treeSource) Coverage(source.Parsed) source.Coverage { return source.Coverage{Part: "files"} }

func (treeSource) TreeCoverage(part string, locations []string, packages map[string]int) []string {
	if part != "files" || len(locations) < 2 {
		return nil
	}
	return source.Parsed{Packages: packages}.GroupsWithAtLeast(2)
}

// TestTreeCoverage: the importer asks a TreeCoverer what an import's
// files cover together (distinct packages across files), and files the
// answer under their part: two files naming x:1 a and b together are
// complete for x:1; one file alone, or two naming one package twice, are
// not.
func TestTreeCoverage(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	im := &source.Importer{Store: st, Sources: source.NewRegistry(treeSource{}), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	for _, c := range []struct {
		name  string
		files []string
		want  []string
	}{
		{"one file", []string{"x:1 a\nx:1 b\ny:1 a"}, []string{}},
		{"two files, one package of x:1 twice", []string{"x:1 a", "x:1 a\ny:1 a"}, []string{}},
		{"two files, two packages of x:1", []string{"x:1 a", "x:1 b\ny:1 a"}, []string{"x:1"}},
	} {
		dir := t.TempDir()
		for i, f := range c.files {
			if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))), []byte(f), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := im.Import(ctx, "tree", []string{dir}, true); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		parts, err := st.SourceParts(ctx, "tree")
		if err != nil || len(parts["tree"]) != 1 {
			t.Fatalf("%s: parts %+v %v", c.name, parts, err)
		}
		p := parts["tree"][0]
		if diff := cmp.Diff(c.want, append([]string{}, p.Complete...)); diff != "" {
			t.Errorf("%s: complete (-want +got):\n%s", c.name, diff)
		}
		if len(p.Locations) != len(c.files) {
			t.Errorf("%s: locations %v, want the %d files", c.name, p.Locations, len(c.files))
		}
	}
}

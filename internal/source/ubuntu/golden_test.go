package ubuntu

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
	"github.com/pakiti-go/pakiti/internal/version"
)

// recordsGolden is the golden form of a parse.
type recordsGolden = sourcetest.Result[Stats]

// checkAdvisory fails on a record no parse may emit.
func checkAdvisory(t testing.TB, a model.Advisory) {
	t.Helper()
	if !validName(a.Package) || !cveID.MatchString(a.CVE) || a.Source == "" {
		t.Errorf("record with an invalid package, id or source: %+v", a)
	}
	if _, ok := Codename(a.OSGroup); !ok {
		t.Errorf("record with an unknown OS group: %+v", a)
	}
	if a.Source != OriginTracker && !IsWithoutPro(a.Source) && !IsProLater(a.Source) && Channel(a.Source) == "" {
		t.Errorf("record with an unknown origin: %+v", a)
	}
	switch {
	case IsWithoutPro(a.Source):
		// Affected (OSV, or no release line), or the release's own
		// verdict (tracker: ignored, needed...), below a Pro fix.
		if !a.Status.Affects() || !validVersion(a.FixedVersion) {
			t.Errorf("without-Pro record not affecting below a Pro fix: %+v", a)
		}
		return
	case IsProLater(a.Source):
		// A Pro fix later than the release's, which its Note names.
		rel := laterRelease(a.Note)
		if a.Status != model.StatusFixed || !validVersion(rel) || version.Deb.Compare(a.FixedVersion, rel) <= 0 {
			t.Errorf("later-Pro record not fixed after the release's fix: %+v", a)
		}
	case a.Source == OriginLivepatch && a.Status != model.StatusFixed:
		t.Errorf("livepatch record without a fix: %+v", a)
	}
	switch a.Status {
	case model.StatusFixed:
		if !validVersion(a.FixedVersion) {
			t.Errorf("fixed record without a valid fixed version: %+v", a)
		}
	case model.StatusAffected, model.StatusUndetermined, model.StatusWillNotFix,
		model.StatusFixDeferred, model.StatusNotAffected, model.StatusEndOfLife:
		if a.FixedVersion != "" {
			t.Errorf("%s record with a fixed version: %+v", a.Status, a)
		}
	default:
		t.Errorf("record with an invalid status: %+v", a)
	}
	if a.Severity != strings.ToLower(a.Severity) || strings.ContainsAny(a.Severity, " \t") {
		t.Errorf("severity %q", a.Severity)
	}
	if len(a.Description) > maxDescription || len(a.Note) > maxNote {
		t.Errorf("description (%d bytes) or note (%d bytes) not clipped", len(a.Description), len(a.Note))
	}
}

// collect runs a parse and gathers its output.
func collect(t *testing.T, parse func(emit func(model.Advisory) error) (Stats, error)) recordsGolden {
	t.Helper()
	return sourcetest.Records(t, parse, checkAdvisory, func(st Stats) int { return st.Records })
}

// tarOf builds a tar archive of dir's files under prefix (its active/,
// retired/ and ignored/ folders in that order, as ParseDir reads them),
// with the directories and a symbolic link as a real snapshot has them.
func tarOf(t testing.TB, dir, prefix string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, sub := range trackerDirs {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			tarDir(t, tw, dir, sub, prefix)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "active")); err != nil {
		tarDir(t, tw, dir, ".", prefix)
	}
	// A link named like a CVE file must not be read twice.
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: prefix + "active/CVE-9999-0001", Linkname: "CVE-2020-1938"}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarDir(t testing.TB, tw *tar.Writer, dir, sub, prefix string) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		name := filepath.ToSlash(filepath.Join(prefix, rel))
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755})
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestGoldenDir(t *testing.T) {
	g := collect(t, func(emit func(model.Advisory) error) (Stats, error) {
		return ParseDir(context.Background(), os.DirFS("testdata/uct"), emit)
	})
	sourcetest.Golden(t, "testdata/uct.golden.json", g)

	// The same files as a tarball, at the top (the 2020 snapshot's
	// layout) or below a folder (a snapshot of the git repository), and
	// through Source.Parse, give the same records.
	for _, prefix := range []string{"", "ubuntu-cve-tracker-master/"} {
		data := tarOf(t, "testdata/uct", prefix)
		gt := collect(t, func(emit func(model.Advisory) error) (Stats, error) {
			return ParseTar(context.Background(), bytes.NewReader(data), emit)
		})
		if diff := cmp.Diff(g, gt); diff != "" {
			t.Errorf("tar %q differs from the directory (-dir +tar):\n%s", prefix, diff)
		}
		var viaSource []model.Advisory
		err := New().Parse(context.Background(), source.Document{Name: "uct.tar", Body: bytes.NewReader(data)}, func(a model.Advisory) error {
			viaSource = append(viaSource, a)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(g.Records, viaSource); diff != "" {
			t.Errorf("Source.Parse of tar %q differs (-dir +source):\n%s", prefix, diff)
		}
	}
}

// TestSourceParseFiles reads a tracker folder file by file, as the
// framework hands over a directory given on the command line.
func TestSourceParseFiles(t *testing.T) {
	want := collect(t, func(emit func(model.Advisory) error) (Stats, error) {
		return ParseDir(context.Background(), os.DirFS("testdata/uct/active"), emit)
	})
	var got []model.Advisory
	ents, err := os.ReadDir("testdata/uct/active")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range append(ents, nil) {
		name, body := "Makefile", []byte("all:\n\techo\n") // the folder's Makefile (constructed: its content is not read)
		if e != nil {
			name = e.Name()
			if body, err = os.ReadFile(filepath.Join("testdata/uct/active", name)); err != nil {
				t.Fatal(err)
			}
		}
		err := New().Parse(context.Background(), source.Document{Name: name, Body: bytes.NewReader(body)}, func(a model.Advisory) error {
			got = append(got, a)
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if diff := cmp.Diff(want.Records, got); diff != "" {
		t.Errorf("file by file differs from ParseDir (-dir +files):\n%s", diff)
	}
}

func TestSourceParseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"Packages": "Package: bash\nVersion: 5.0\n",
		"json":     `{"CVE-2020-1938": {}}`,
		"empty":    "",
		"notes":    "hello: world\n",
	} {
		err := New().Parse(context.Background(), source.Document{Name: name, Body: strings.NewReader(body)}, func(model.Advisory) error { return nil })
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ParseTar(context.Background(), bytes.NewReader(tarOf(t, "testdata/uct/active", "scripts/")), func(model.Advisory) error { return nil }); err == nil {
		t.Error("a tarball without active/, retired/ or ignored/ CVE files gave no error")
	}
}

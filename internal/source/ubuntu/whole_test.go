package ubuntu

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// snapshotPath is the whole 2020 tracker snapshot in the shared data.
func snapshotPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(testenv.SharedDir(t), "data/feeds/ubuntu/uct-2020-04-active-retired-ignored.tar.gz")
}

// parseSnapshot parses the whole snapshot, handing every record to emit.
func parseSnapshot(t testing.TB, emit func(model.Advisory) error) Stats {
	t.Helper()
	f, err := os.Open(snapshotPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseTar(context.Background(), zr, emit)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestWholeSnapshot(t *testing.T) {
	byGroup := map[string]int{}
	byStatus := map[model.Status]int{}
	byOrigin := map[string]int{}
	st := parseSnapshot(t, func(a model.Advisory) error {
		byGroup[a.OSGroup]++
		byStatus[a.Status]++
		byOrigin[a.Source]++
		return nil
	})
	t.Logf("%s", st)
	t.Logf("groups %v", byGroup)
	t.Logf("statuses %v", byStatus)
	t.Logf("origins %v", byOrigin)
}

package alpine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// secdbDir is the 2020 snapshot of the secdb YAML in the shared data:
// branches v3.3 to v3.11, main and community each.
func secdbDir(t testing.TB) string {
	return filepath.Join(testenv.SharedDir(t), "data", "feeds", "alpine", "secdb-yaml-2020")
}

// parseSharedFile reads one shared secdb file through Source.Parse.
func parseSharedFile(t testing.TB, rel string) []model.Advisory {
	t.Helper()
	f, err := os.Open(filepath.Join(secdbDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []model.Advisory
	err = New().Parse(context.Background(), sourceDoc(rel, f), func(a model.Advisory) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

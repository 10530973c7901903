package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source/ubuntu"
	"github.com/pakiti-go/pakiti/internal/testenv"
)

// TestBundleIsSnapshot: the bundled uct-bionic.tar.gz (genuct.py) gives
// exactly the Ubuntu 18.04 records of the whole April 2020 tracker
// snapshot in the shared data (25,957), so that calling it complete for
// ubuntu:18.04 is the snapshot's claim, not an excerpt's.
func TestBundleIsSnapshot(t *testing.T) {
	snapshot := filepath.Join(testenv.SharedDir(t), "data/feeds/ubuntu/uct-2020-04-active-retired-ignored.tar.gz")
	whole, err := os.ReadFile(snapshot)
	if err != nil {
		t.Fatal(err)
	}
	bundled, err := files.ReadFile("data/uct-bionic.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	a, b := bionicRecords(t, whole), bionicRecords(t, bundled)
	if len(a) != 25957 {
		t.Errorf("the snapshot gives %d bionic records, want 25,957", len(a))
	}
	for k := range a {
		if !b[k] {
			t.Errorf("bundle lacks the snapshot's %s", k)
		}
	}
	for k := range b {
		if !a[k] {
			t.Errorf("bundle has %s, not in the snapshot", k)
		}
	}
}

// bionicRecords parses a tracker tarball's ubuntu:18.04 records.
func bionicRecords(t *testing.T, tgz []byte) map[string]bool {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	_, err = ubuntu.ParseTarBinaries(context.Background(), io.Reader(zr), func(a model.Advisory) error {
		if a.OSGroup == "ubuntu:18.04" {
			out[fmt.Sprintf("%s %s %s %s %s %s %s", a.Source, a.Package, a.CVE, a.Status, a.FixedVersion, a.Severity, a.Published)] = true
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

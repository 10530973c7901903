// Package demo loads the bundled demo: a snapshot of real Debian security
// data (the tracker's DSA and DLA lists of spring 2023, tracker JSON
// excerpts, a Packages index subset) and a few real host inventories, so
// that `pakiti serve --demo` shows real findings with no network.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/source"
)

//go:embed data
var files embed.FS

// Banner labels every page of a demo server.
const Banner = "Demo data: Debian security tracker DSA/DLA lists as of 1 April 2023 and real host inventories, " +
	"loaded by pakiti serve --demo. Findings are as of that date. These lists and excerpts cover no release " +
	"completely: every host shows partial data, never clean."

// reports are the demo hosts: file, protocol, site.
var reports = []struct {
	file     string
	protocol string
	site     string
}{
	{"report-debian11.txt", "5", "DEMO-CERN"},
	{"report-debian11-p6.txt", "6", "DEMO-CESNET"},
	{"report-debian12.txt", "5", "DEMO-CESNET"},
	{"report-ubuntu2204.txt", "5", "DEMO-CERN"},
}

// Load imports the demo data with im and sends the demo reports to feed.
func Load(ctx context.Context, im *source.Importer, feed http.Handler) error {
	dir, err := os.MkdirTemp("", "pakiti-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var locs []string
	ents, err := fs.ReadDir(files, "data")
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, "report-") || strings.HasSuffix(name, ".tsv") {
			continue
		}
		b, err := files.ReadFile("data/" + name)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		locs = append(locs, p)
	}
	for _, r := range reports {
		b, err := files.ReadFile("data/" + r.file)
		if err != nil {
			return err
		}
		if b, err = report.SetSite(b, r.site); err != nil {
			return err
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/feed/?protocol="+r.protocol, strings.NewReader(string(b)))
		req.RemoteAddr = "192.0.2.10:40000" // documentation address: the demo hosts do not exist
		rec := httptest.NewRecorder()
		feed.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("demo report %s: %d %s", r.file, rec.Code, rec.Body)
		}
	}
	_, err = im.Import(ctx, "debian", locs, true)
	return err
}

// Package demo loads the bundled demo: real security data (the Debian
// tracker's DSA and DLA lists of spring 2023 with tracker JSON excerpts
// and a Packages index subset; the Ubuntu CVE tracker of April 2020
// restricted to 18.04; Alpine 3.10's secdb) and a few real host
// inventories, so that `pakiti serve --demo` shows real findings with no
// network.
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
const Banner = "Demo data, loaded by pakiti serve --demo: complete for Ubuntu 18.04 (the Ubuntu CVE tracker of April 2020) " +
	"and Alpine 3.10 (its secdb of 2020), findings as of those dates; partial for Debian (the DSA/DLA lists of 1 April 2023 " +
	"and tracker JSON excerpts cover no release completely: those hosts are never shown clean); none for Ubuntu 22.04."

// The Debian hosts stay partial: no Debian release's whole data is in the
// shared real data the bundle is made from (the tracker JSON is there only
// as three test-fixture excerpts of 2 to 6 source packages; the DSA and
// DLA lists say what was fixed, not what is open; the OVAL and OSV files
// are excerpts too), so no Packages index subset can make one complete.

// reports are the demo hosts: file, protocol, site. The protocol-6
// Ubuntu host comes first: it teaches ubuntu:18.04 the binary -> source
// map the protocol-5 one is matched through.
var reports = []struct {
	file     string
	protocol string
	site     string
}{
	{"report-debian11.txt", "5", "DEMO-CERN"},
	{"report-debian11-p6.txt", "6", "DEMO-CESNET"},
	{"report-debian12.txt", "5", "DEMO-CESNET"},
	{"report-ubuntu1804-p6.txt", "6", "DEMO-CESNET"},
	{"report-ubuntu1804.txt", "5", "DEMO-CERN"},
	{"report-alpine310-p6.txt", "6", "DEMO-CERN"},
	{"report-ubuntu2204.txt", "5", "DEMO-CERN"},
}

// sourceOf names the source a bundled data file is imported with.
func sourceOf(name string) string {
	switch {
	case strings.HasPrefix(name, "alpine-"):
		return "alpine"
	case strings.HasPrefix(name, "uct-"):
		return "ubuntu"
	}
	return "debian"
}

// Load imports the demo data with im and sends the demo reports to feed.
func Load(ctx context.Context, im *source.Importer, feed http.Handler) error {
	dir, err := os.MkdirTemp("", "pakiti-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	locs := map[string][]string{}
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
		locs[sourceOf(name)] = append(locs[sourceOf(name)], p)
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
	for _, src := range []string{"debian", "ubuntu", "alpine"} {
		if _, err := im.Import(ctx, src, locs[src], true); err != nil {
			return fmt.Errorf("demo data of %s: %w", src, err)
		}
	}
	return nil
}

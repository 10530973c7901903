// Command screenshots captures the README's pictures of the web UI: it
// loads the bundled demo data (internal/demo: real Debian DSA/DLA lists and
// real host inventories) into a temporary SQLite database, serves the UI
// on a loopback port, logs in with a throwaway admin in headless Chromium
// and writes one PNG per page:
//
//	go run ./tools/screenshots -out docs/screenshots
//
// dashboard.png (/), hosts.png (/hosts), host.png (a Debian 11 host with
// findings) and site.png (the site's page, /sites/NAME; should it answer
// 404, the hosts page filtered by the site). Chromium comes from PATH
// (chromium, chromium-browser or google-chrome); nothing is fetched from
// the network.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/demo"
	"github.com/pakiti-go/pakiti/internal/drivers"
	"github.com/pakiti-go/pakiti/internal/intake"
	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/alpine"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/source/ubuntu"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/web"
)

const (
	user     = "admin"
	password = "screenshots"
	// host is the demo host shown: Debian 11 over protocol 6, with
	// findings from the DSA/DLA lists.
	host = "bullseye-p6.example.org"
	site = "DEMO-CESNET"
)

func main() {
	out := flag.String("out", "docs/screenshots", "directory the PNGs are written to")
	width := flag.Int("width", 1280, "window width in pixels")
	height := flag.Int("height", 800, "window height in pixels")
	flag.Parse()
	if err := run(*out, *width, *height); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(out string, width, height int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pakiti-screenshots")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := serveDemo(ctx, filepath.Join(dir, "demo.db"))
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	shots := []struct{ file, path, fallback string }{
		{"dashboard.png", "/", ""},
		{"hosts.png", "/hosts", ""},
		{"host.png", "/hosts/" + url.PathEscape(host), ""},
		// Should the site page answer 404: the hosts page filtered by the site.
		{"site.png", "/sites/" + url.PathEscape(site), "/hosts?site=" + url.QueryEscape(site)},
	}
	bctx, cancel, err := browser(ctx, dir, width, height)
	if err != nil {
		return err
	}
	defer cancel()
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(int64(width), int64(height)),
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SetValue(chromedp.CSS(`input[name=username]`), user),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`form#login button`)),
		chromedp.WaitVisible(chromedp.CSS(`#me`)),
	); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	for _, s := range shots {
		resp, err := chromedp.Run(bctx, chromedp.NavigateResponse(srv.URL+s.path))
		if err == nil && resp.Status == http.StatusNotFound && s.fallback != "" {
			s.path = s.fallback
			resp, err = chromedp.Run(bctx, chromedp.NavigateResponse(srv.URL+s.path))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		if resp.Status != http.StatusOK {
			return fmt.Errorf("%s: %d %s", s.path, resp.Status, resp.StatusText)
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100: PNG
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		p := filepath.Join(out, s.file)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s\t%s\t%d bytes\n", p, s.path, len(png))
	}
	return nil
}

// serveDemo loads the demo into a new SQLite database at path and serves
// the UI with local logins and one admin.
func serveDemo(ctx context.Context, path string) (*httptest.Server, error) {
	st, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eval := match.New(st, drivers.Registry(), log)
	feed := intake.New(st, eval, log)
	im := &source.Importer{Store: st, Sources: source.NewRegistry(debian.New(), ubuntu.New(), alpine.New()), Fetcher: source.NewFetcher(), Eval: eval, Log: log, Now: time.Now}
	if err := demo.Load(ctx, im, feed); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	if err := st.AddUser(ctx, store.User{Name: user, Role: store.RoleAdmin}, hash); err != nil {
		return nil, err
	}
	a, err := auth.New(ctx, auth.Config{Store: st, Modes: []auth.Mode{auth.Local}, Log: log})
	if err != nil {
		return nil, err
	}
	h, err := web.New(web.Config{Store: st, Feed: feed, Log: log, Auth: a, Banner: demo.Banner})
	if err != nil {
		return nil, err
	}
	return httptest.NewServer(h), nil
}

// browser starts headless Chromium with its profile under dir.
func browser(ctx context.Context, dir string, width, height int) (context.Context, context.CancelFunc, error) {
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		return nil, nil, errors.New("no Chromium in PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
	)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	bctx, cancelT := context.WithTimeout(bctx, 2*time.Minute)
	return bctx, func() { cancelT(); cancelB(); cancelA() }, nil
}

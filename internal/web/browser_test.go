package web

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium, or skips (fails under CI=true) when
// there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed; CI must install it (apt-get install chromium)")
		}
		t.Skip("Chromium not installed: browser tests skipped (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// TestBrowserHostsToHost uses the pages as a person would: filter the host
// list by site, open a host, read its packages; and checks that a hostile
// host name is shown as text, not run.
func TestBrowserHostsToHost(t *testing.T) {
	srv := newTestServer(t)
	ctx := browser(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		must(err)
		return v
	}
	rowCount := `document.querySelectorAll("#hosts tbody tr").length`

	must(chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/hosts"), chromedp.WaitVisible(chromedp.CSS(`#hosts`))))
	if n := eval(rowCount); n != 3.0 {
		t.Errorf("hosts table has %v rows, want 3", n)
	}
	shown := eval(`[...document.querySelectorAll("#hosts tbody a")].map(a => a.textContent).find(t => t.includes("evil")) || ""`)
	if shown != hostile || eval(`document.querySelector("svg") !== null`) != false {
		t.Errorf("hostile host name shown as %q or injected an element, want the literal text %q", shown, hostile)
	}

	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`select[name=site]`), "SITE-A"),
		chromedp.Click(chromedp.CSS(`form.filters button`)),
		chromedp.WaitReady(chromedp.CSS(`option[value="SITE-A"][selected]`)),
	))
	url, err := chromedp.Run(ctx, chromedp.Location())
	must(err)
	if n := eval(rowCount); !strings.Contains(url, "site=SITE-A") || n != 1.0 {
		t.Errorf("after filtering: url %s, %v rows; want site=SITE-A and 1 row", url, n)
	}

	must(chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#hosts tbody a[href^="/hosts/wn1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#packages`)),
	))
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	must(err)
	pkgs := eval(`[...document.querySelectorAll("#packages tbody tr td:first-child")].map(td => td.textContent).join(",")`)
	if strings.TrimSpace(title) != "wn1.example.org" || pkgs != "bash,libc6" {
		t.Errorf("host page: title %q, packages %v", title, pkgs)
	}

	// A vulnerable host: from its findings to the CVE, and on to the
	// other hosts it affects.
	must(chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/hosts/old.example.org"),
		chromedp.WaitVisible(chromedp.CSS(`#findings`)),
		chromedp.Click(chromedp.CSS(`#findings a[href="/cves/CVE-2023-0286"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#affected`)),
	))
	affected := eval(`[...document.querySelectorAll("#affected tbody tr td:first-child")].map(td => td.textContent).join(",")`)
	status := eval(`document.querySelector("#records tbody tr td:nth-child(4)").textContent`)
	if affected != "old.example.org" || status != "1.1.1n-0+deb11u4" {
		t.Errorf("CVE page: affected %v, fixed version %v", affected, status)
	}
	must(chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sources"), chromedp.WaitVisible(chromedp.CSS(`#sources`))))
	if src := eval(`document.querySelector("#sources tbody td").textContent`); src != "debian" {
		t.Errorf("sources page first source %v", src)
	}
}

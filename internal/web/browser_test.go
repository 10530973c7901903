package web

import (
	"context"
	"encoding/json"
	"fmt"
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
		clickThrough(`form.filters button`, `#hosts`),
		waitUntil(`document.querySelector('option[value="SITE-A"][selected]') !== null`),
	))
	url, err := chromedp.Run(ctx, chromedp.Location())
	must(err)
	if n := eval(rowCount); !strings.Contains(url, "site=SITE-A") || n != 1.0 {
		t.Errorf("after filtering: url %s, %v rows; want site=SITE-A and 1 row", url, n)
	}

	must(chromedp.Do(ctx,
		clickThrough(`#hosts tbody a[href^="/hosts/wn1"]`, `#packages`),
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
		clickThrough(`#findings a[href="/cves/CVE-2023-0286"]`, `#affected`),
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

// clickThrough clicks the element sel, whose click loads another page,
// and waits until that page shows the element want. chromedp's WaitVisible
// after such a click can meet the old document as it is replaced and fail
// with "Could not find node with given id"; here the old page is marked
// before the click, and a JavaScript check, asked again until it holds,
// waits for a complete new page without the mark. Errors while the page
// is replaced ("Execution context was destroyed") are asked again too.
func clickThrough(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(markPage(), chromedp.Click(chromedp.CSS(sel)), waitNewPage(want))
}

// markPage marks the page shown, for waitNewPage.
func markPage() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`window.__pakitiOldPage = true`)(ctx, tg)
		return err
	})
}

// waitNewPage waits for a page other than the one markPage marked, loaded,
// that shows the element want.
func waitNewPage(want string) chromedp.Action[chromedp.Void] {
	return waitUntil(`!window.__pakitiOldPage && ` + visible(want))
}

// visible is a JavaScript expression, true when the element sel is in a
// completely loaded page and takes up room on it.
func visible(sel string) string {
	q, _ := json.Marshal(sel)
	return `document.readyState === "complete" && (e => e !== null && e.getClientRects().length > 0)(document.querySelector(` + string(q) + `))`
}

// waitUntil asks the page expr until it is true, through navigations,
// for at most 30 seconds.
func waitUntil(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		deadline := time.Now().Add(30 * time.Second)
		var last error
		for {
			ok, err := chromedp.Evaluate[bool](`!!(`+expr+`)`)(ctx, tg)
			if err == nil && ok {
				return nil
			}
			last = err
			if time.Now().After(deadline) {
				return fmt.Errorf("waited 30s for %s (last error: %v)", expr, last)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

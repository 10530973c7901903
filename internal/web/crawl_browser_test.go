package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// pageEvents gathers what a page did that it should not: dialogs opened
// (alert, confirm, prompt), console errors, uncaught exceptions, CSP
// violations (logged as errors).
type pageEvents struct {
	mu     sync.Mutex
	events []string
}

func (e *pageEvents) add(s string) {
	e.mu.Lock()
	e.events = append(e.events, s)
	e.mu.Unlock()
}

func (e *pageEvents) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.events
	e.events = nil
	return out
}

// watch listens on ctx's target (its console: API calls, uncaught
// exceptions, the browser log; its dialogs); a dialog is recorded and
// dismissed, so the page does not hang on it.
func watch(ctx context.Context) *pageEvents {
	ev := &pageEvents{}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for d, err := range dialogs {
			if err != nil {
				return
			}
			ev.add(fmt.Sprintf("dialog %s: %q", d.Type, d.Message))
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			// The browser's own request of /favicon.ico (the server has
			// none) is no page's error; Chromium logs its 404 at times.
			if strings.HasSuffix(m.URL, "/favicon.ico") {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == "assert" {
				ev.add(m.String() + " " + m.URL)
			}
		}
	}()
	return ev
}

// crawlViewport is the window the layout is checked in.
const crawlViewport = 1280

// overflowJS lists the elements that reach past the viewport's right
// edge (or its left) other than inside a box that scrolls or clips them,
// and the page's own horizontal overflow.
const overflowJS = `(() => {
  const W = document.documentElement.clientWidth, bad = [];
  if (document.documentElement.scrollWidth > W + 1) bad.push("page scrolls sideways: " + document.documentElement.scrollWidth + "px in " + W);
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || (r.right <= W + 1 && r.left >= -1)) continue;
    let p = e.parentElement, held = false;
    for (; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") { held = true; break; }
    }
    if (!held) bad.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") + " spans " + Math.round(r.left) + ".." + Math.round(r.right) + "px");
    if (bad.length > 5) break;
  }
  return bad;
})()`

// browserLogin logs the browser in as the admin through the login form.
func (f *crawlFixture) browserLogin(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/login"),
		chromedp.SetValue(chromedp.CSS(`input[name=username]`), crawlAdmin),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), crawlPassword),
		clickThrough(`form#login button`, `#me`),
	); err != nil {
		t.Fatal(err)
	}
}

// TestCrawlBrowser loads every HTML page the crawl reaches in Chromium,
// as the admin and as nobody (the login page, its next= carrying the
// hostile paths asked for), over the hostile fleet: no dialog opens,
// nothing is logged as an error (a blocked inline script is a CSP
// error), and no element reaches past a 1280 px window.
func TestCrawlBrowser(t *testing.T) {
	f := newCrawlFixture(t)
	for _, admin := range []bool{true, false} {
		name := map[bool]string{true: "admin", false: "anonymous"}[admin]
		t.Run(name, func(t *testing.T) {
			ctx := browser(t)
			c := anonClient()
			if admin {
				c = f.adminClient(t)
			}
			pages := crawl(t, c, f.srv.URL, f.crawlEntries(t))
			ev := watch(ctx)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(crawlViewport, 900)); err != nil {
				t.Fatal(err)
			}
			if admin {
				f.browserLogin(t, ctx)
			}
			ev.take()
			n := 0
			for _, p := range pages {
				if p.status != http.StatusOK || !strings.HasPrefix(p.ctype, "text/html") {
					continue
				}
				n++
				err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+p.url))
				var bad []string
				var me string
				if err == nil {
					bad, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS))
				}
				if err == nil {
					me, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#me")||{}).textContent||""`))
				}
				if err != nil {
					t.Errorf("%s: %v", p.url, err)
					continue
				}
				for _, b := range bad {
					t.Errorf("%s: layout: %s", p.url, b)
				}
				for _, e := range ev.take() {
					t.Errorf("%s: %s", p.url, e)
				}
				if admin && p.url != "/login" && me != crawlAdmin+" (admin)" {
					t.Errorf("%s: the browser is not the admin (#me %q)", p.url, me)
				}
			}
			if atLeast := map[bool]int{true: 10, false: 2}[admin]; n < atLeast {
				t.Errorf("only %d HTML pages loaded in the browser", n)
			}
			t.Logf("%s: %d pages loaded in Chromium", name, n)
		})
	}
}

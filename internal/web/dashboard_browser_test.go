package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserDashboard: the dashboard, a site and the hostile site's page
// in Chromium. The plots draw (their bars and lines take space and their
// colours come from the stylesheet: the CSP allows no inline style), a
// hostile site name and note are shown as text and run nothing, and the
// journey dashboard -> top CVE -> its page and sites -> site works.
func TestBrowserDashboard(t *testing.T) {
	srv, st := newStoreServer(t)
	ctx := browser(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	evil := `<img src=x onerror="window.pwned=1">`
	hostileRep := strings.Replace(repOld, "host: old.example.org\n", "host: evil.example.org\n", 1)
	hostileRep = strings.Replace(hostileRep, "site: SITE-B", "site: "+hostileSite, 1)
	for _, r := range []string{repOld, repFixed, hostileRep} {
		post(t, srv.URL, "5", r)
	}
	must(st.SetSiteInfo(context.Background(), hostileSite, evil, "", evil))
	if _, err := st.SnapshotExposure(context.Background(), time.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SnapshotExposure(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		must(err)
		return v
	}
	pwned := `typeof window.pwned !== "undefined" || document.querySelectorAll("main script, main img").length > 0`

	must(chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#plot-sites svg`))))
	if w := eval(`document.querySelector("#plot-sites rect").getBBox().height`); w.(float64) <= 0 {
		t.Errorf("the per-site plot's first bar is %v high", w)
	}
	if w := eval(`document.querySelector("#plot-exposed path").getBBox().width`); w.(float64) <= 0 {
		t.Errorf("the exposed hosts line is %v wide", w)
	}
	if fill := eval(`getComputedStyle(document.querySelector("#plot-sites g.bar.s0 rect")).fill`); fill != "rgb(31, 95, 168)" {
		t.Errorf("bar colour %v, want the stylesheet's s0", fill)
	}
	names := eval(`[...document.querySelectorAll("#plot-sites g.bar > title")].map(t => t.textContent).join("|")`)
	if !strings.Contains(names.(string), hostileSite) || eval(pwned) != false {
		t.Errorf("site names in the plot %q, or markup ran", names)
	}
	must(chromedp.Do(ctx, clickThrough(`#top-cves a[href^="/cves/"]`, `#affected`)))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/cves/CVE-2022-2097") {
		t.Errorf("top CVE link went to %s", loc)
	}

	must(chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sites"), chromedp.WaitVisible(chromedp.CSS(`#sites`)),
		clickThrough(`#sites a[href="/sites/SITE-B"]`, `#plot-site-severity svg`)))
	if n := eval(`document.querySelector("#counts li:nth-child(2) .n").textContent`); n != "1" {
		t.Errorf("SITE-B exposed %v, want 1 (old)", n)
	}

	must(chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sites/"+url.PathEscape(hostileSite)), chromedp.WaitVisible(chromedp.CSS(`#note`))))
	if note := eval(`document.querySelector("#note").textContent`); note != evil || eval(pwned) != false {
		t.Errorf("note shown as %q, or it ran", note)
	}
	if h := eval(`document.querySelector("h1").textContent`); h != "Site "+hostileSite {
		t.Errorf("title %q", h)
	}
}

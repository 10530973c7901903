package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// TestBrowserCVEAutocomplete: typing in the hosts page's CVE filter fills
// its <datalist> from /api/v1/cve-suggestions (the script is served by
// us and allowed by the page's Content-Security-Policy), and the filter
// submits as without the script. newTestServer's old.example.org has
// DSA-5343-1's five CVEs (openssl 1.1.1n-0+deb11u3, fixed in
// 1.1.1n-0+deb11u4).
func TestBrowserCVEAutocomplete(t *testing.T) {
	srv := newTestServer(t)
	ctx := browser(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/hosts"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=cve]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=cve]`), "cve-2023-0"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#cve-suggestions option").length > 0`,
			chromedp.WithPollingTimeout(30*time.Second)),
	))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#cve-suggestions option")].map(o => o.value)`))
	must(err)
	if diff := cmp.Diff([]string{"CVE-2023-0215", "CVE-2023-0286"}, got); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
	// Pick one and filter: the form is the same form.
	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`input[name=cve]`), "CVE-2023-0286"),
		markPage(),
		chromedp.Submit(chromedp.CSS(`input[name=cve]`)),
		waitNewPage(`#hosts`),
	))
	url, err := chromedp.Run(ctx, chromedp.Location())
	must(err)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#hosts tbody tr td:first-child a")].map(a => a.textContent)`))
	must(err)
	if diff := cmp.Diff([]string{"old.example.org"}, rows); diff != "" || !strings.Contains(url, "cve=CVE-2023-0286") {
		t.Errorf("hosts of CVE-2023-0286 (%s) (-want +got):\n%s", url, diff)
	}
}

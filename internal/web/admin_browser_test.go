package web

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminJourney: an admin logs in, tags a CVE and excepts it on
// one host through the forms, sees the host's finding become excepted on
// its page, and deletes another host after the confirmation step.
//
// Real data: every host of newFedServer runs openssl 1.1.1n-0+deb11u3 on
// Debian 11, which testdata/DSA-5343-1.txt fixes ("DSA-5343-1 openssl
// {CVE-2022-2097 CVE-2022-4304 CVE-2022-4450 CVE-2023-0215
// CVE-2023-0286} [bullseye] - openssl 1.1.1n-0+deb11u4"): five CVEs. The
// tag and the exception are ours, constructed for the test.
func TestBrowserAdminJourney(t *testing.T) {
	fs := newFedServer(t)
	ctx := browser(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		must(err)
		return strings.Join(strings.Fields(v), " ")
	}
	summary := regexp.MustCompile(`(\d+) CVEs.*?(?:; (\d+) excepted)?\.`)
	counts := func() (string, string) {
		t.Helper()
		must(chromedp.Do(ctx, chromedp.Navigate(fs.srv.URL+"/hosts/wn.fzu.example.org"), chromedp.WaitVisible(chromedp.CSS(`#findings`))))
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#findings").previousElementSibling.textContent`))
		must(err)
		m := summary.FindStringSubmatch(v)
		if m == nil {
			t.Fatalf("host summary %q", v)
		}
		return m[1], m[2]
	}
	must(chromedp.Do(ctx,
		chromedp.Navigate(fs.srv.URL+"/login?next=/tags"),
		chromedp.SetValue(chromedp.CSS(`input[name=username]`), "root"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), "password of root"),
		clickThrough(`form#login button`, `form#tag-add`),
	))
	if cves, excepted := counts(); cves != "5" || excepted != "" {
		t.Fatalf("before: %s CVEs, %q excepted; want 5 and none", cves, excepted)
	}
	must(chromedp.Do(ctx,
		chromedp.Navigate(fs.srv.URL+"/tags"),
		chromedp.SetValue(chromedp.CSS(`#tag-add input[name=cve]`), "CVE-2023-0286"),
		chromedp.SetValue(chromedp.CSS(`#tag-add input[name=tag]`), "EGI-Critical"),
		chromedp.SetValue(chromedp.CSS(`#tag-add input[name=reason]`), "X.400 address type confusion"),
		clickThrough(`#tag-add button`, `table#tags`),
	))
	if row := text(`table#tags tbody tr`); !strings.HasPrefix(row, "CVE-2023-0286 EGI-Critical X.400 address type confusion") {
		t.Errorf("tags table row %q", row)
	}
	must(chromedp.Do(ctx,
		chromedp.Navigate(fs.srv.URL+"/exceptions"),
		chromedp.SetValue(chromedp.CSS(`#exception-add input[name=cve]`), "CVE-2023-0286"),
		chromedp.SetValue(chromedp.CSS(`#exception-add input[name=package]`), "openssl"),
		chromedp.SetValue(chromedp.CSS(`#exception-add select[name=scope_kind]`), "host"),
		chromedp.SetValue(chromedp.CSS(`#exception-add input[name=scope]`), "wn.fzu.example.org"),
		chromedp.SetValue(chromedp.CSS(`#exception-add input[name=reason]`), "rebuilt with the fix"),
		clickThrough(`#exception-add button`, `table#exceptions`),
	))
	if row := text(`table#exceptions tbody tr`); !strings.Contains(row, "CVE-2023-0286 openssl any any host wn.fzu.example.org rebuilt with the fix root") {
		t.Errorf("exceptions table row %q", row)
	}
	if cves, excepted := counts(); cves != "4" || excepted != "1" {
		t.Errorf("after the exception: %s CVEs, %q excepted; want 4 and 1", cves, excepted)
	}
	// Another host of the tag keeps it: the exception is wn.fzu's only.
	must(chromedp.Do(ctx, chromedp.Navigate(fs.srv.URL+"/hosts?cve_tag=EGI-Critical"), chromedp.WaitVisible(chromedp.CSS(`#hosts`))))
	tagged, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#hosts tbody tr td:first-child")].map(td => td.textContent).sort().join(",")`))
	must(err)
	if tagged != "wn.desy.example.org,wn.gsi.example.org,wn.orphan.example.org,wn.prague.example.org" {
		t.Errorf("hosts with EGI-Critical: %s", tagged)
	}

	// Delete a host: the button, the confirmation, the listing without it.
	must(chromedp.Do(ctx,
		chromedp.Navigate(fs.srv.URL+"/hosts/wn.orphan.example.org"),
		clickThrough(`#delete-host`, `form#delete-host-confirm`),
	))
	if h := text(`h1`); h != "Delete wn.orphan.example.org?" {
		t.Errorf("confirmation page: %q", h)
	}
	must(chromedp.Do(ctx,
		clickThrough(`form#delete-host-confirm button`, `#hosts`),
	))
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#hosts tbody tr td:first-child")].map(td => td.textContent).sort().join(",")`))
	must(err)
	if listed != "wn.desy.example.org,wn.fzu.example.org,wn.gsi.example.org,wn.prague.example.org" {
		t.Errorf("hosts after the deletion: %s", listed)
	}
	log, err := fs.st.AuditLog(context.Background(), "root", 10)
	must(err)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+" "+e.Target)
	}
	if got := strings.Join(actions, ", "); got != "host.delete wn.orphan.example.org, exception.add CVE-2023-0286, tag.add CVE-2023-0286" {
		t.Errorf("audit log, newest first: %s", got)
	}
}

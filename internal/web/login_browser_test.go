package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserLogin logs in as a person would: a page sends the browser to
// the login page, a wrong password is refused, the right one leads back
// to the page asked for with the user's hosts only; logging out ends it.
func TestBrowserLogin(t *testing.T) {
	fs := newFedServer(t)
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
	login := func(user, password, want string) {
		t.Helper()
		must(chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS(`form#login`)),
			chromedp.SetValue(chromedp.CSS(`input[name=username]`), user),
			chromedp.SetValue(chromedp.CSS(`input[name=password]`), password),
			clickThrough(`form#login button`, want),
		))
	}
	must(chromedp.Do(ctx, chromedp.Navigate(fs.srv.URL+"/cves/CVE-2023-0286")))
	url, err := chromedp.Run(ctx, chromedp.Location())
	must(err)
	if !strings.Contains(url, "/login?next=%2Fcves%2FCVE-2023-0286") {
		t.Fatalf("an anonymous page went to %s, want the login page", url)
	}
	login("ngi-cz", "not the password", `#login-error`)
	if msg := eval(`document.querySelector("#login-error").textContent`); msg != "Wrong user name or password." {
		t.Errorf("wrong password: %v", msg)
	}
	login("ngi-cz", "password of ngi-cz", `#affected`)
	affected := eval(`[...document.querySelectorAll("#affected tbody tr td:first-child")].map(td => td.textContent).sort().join(",")`)
	me := eval(`document.querySelector("#me").textContent`)
	if affected != "wn.fzu.example.org,wn.prague.example.org" || me != "ngi-cz (viewer)" {
		t.Errorf("after login: affected %v, me %v", affected, me)
	}
	// The session cookie is out of JavaScript's reach.
	if c := eval(`document.cookie`); c != "" {
		t.Errorf("document.cookie = %q: the session cookie is not HttpOnly", c)
	}
	must(chromedp.Do(ctx, clickThrough(`#logout`, `form#login`)))
	must(chromedp.Do(ctx, chromedp.Navigate(fs.srv.URL+"/hosts"), chromedp.WaitVisible(chromedp.CSS(`form#login`))))
}

// TestBrowserCSRF: a page of another origin that posts a form to Pakiti
// while an admin is logged in changes nothing: the browser says the
// request is cross-site, and the server refuses it.
func TestBrowserCSRF(t *testing.T) {
	fs := newFedServer(t)
	ctx := browser(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><form id="f" method="post" action="` + fs.srv.URL + `/admin/grants/revoke">
<input type="hidden" name="user" value="two-sites"><input type="hidden" name="target" value="DESY-HH"></form>
<script>document.getElementById("f").submit()</script>`))
	}))
	defer evil.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(chromedp.Do(ctx,
		chromedp.Navigate(fs.srv.URL+"/login"),
		chromedp.SetValue(chromedp.CSS(`input[name=username]`), "root"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), "password of root"),
		clickThrough(`form#login button`, `#me`),
	))
	must(chromedp.Do(ctx,
		chromedp.Navigate(evil.URL),
		chromedp.Poll[chromedp.Void](`location.href.startsWith("`+fs.srv.URL+`/") && document.readyState == "complete"`),
	))
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	must(err)
	u, _, err := fs.st.UserByName(context.Background(), "two-sites")
	must(err)
	if !slices.Equal(u.Grants, []string{"DESY-HH", "FZU"}) || !strings.Contains(strings.ToLower(body), "cross-origin") {
		t.Errorf("cross-site form: grants now %v, page %q", u.Grants, body)
	}
	// The admin's own form, on its own page, works.
	must(chromedp.Do(ctx,
		chromedp.Navigate(fs.srv.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`#me`)),
		// The page after the POST no longer has the grant's form.
		clickThrough(`form.inline input[name=user][value="two-sites"] ~ input[value="DESY-HH"] ~ button`, `#me`),
		waitUntil(`document.querySelector('form.inline input[name=user][value="two-sites"] ~ input[value="DESY-HH"]') === null`),
	))
	u, _, err = fs.st.UserByName(context.Background(), "two-sites")
	must(err)
	if !slices.Equal(u.Grants, []string{"FZU"}) {
		t.Errorf("same-origin form: grants now %v, want [FZU]", u.Grants)
	}
}

// TestBrowserOIDCLogin: single sign-on from the login page through the
// in-process provider, back to the page asked for, with the hosts of the
// NGI the provider's groups claim names.
func TestBrowserOIDCLogin(t *testing.T) {
	fs, p := newOIDCServer(t)
	p.LoginAs(map[string]any{"sub": "u-7", "preferred_username": "ingrid", "groups": []string{"NGI_DE"}})
	ctx := browser(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(chromedp.Do(ctx,
		chromedp.Navigate(fs.srv.URL+"/hosts"),
		chromedp.WaitVisible(chromedp.CSS(`a#oidc`)),
		clickThrough(`a#oidc`, `#hosts`),
	))
	hosts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#hosts tbody tr td:first-child a")].map(a => a.textContent).sort().join(",")`))
	must(err)
	who, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#me").textContent`))
	must(err)
	if hosts != "wn.desy.example.org,wn.gsi.example.org" || who != "ingrid (viewer)" {
		t.Errorf("after single sign-on: hosts %q, me %q", hosts, who)
	}
}

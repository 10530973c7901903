package web

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// adminForm is one admin POST route with a form, what it answers an
// admin, and what must hold after it (in the store, or for the callers).
type adminForm struct {
	path   string
	form   url.Values
	upload string // a file to send as the multipart field "file"
	want   int    // the admin's answer
	action string // the audit log's action
	after  func(t *testing.T, fs *fedServer, body string)
}

// post sends form (or a multipart upload) to path with the headers hd.
func (fs *fedServer) post(t *testing.T, f adminForm, hd map[string]string) (int, http.Header, string) {
	t.Helper()
	h := map[string]string{}
	for k, v := range hd {
		h[k] = v
	}
	if f.upload == "" {
		h["Content-Type"] = "application/x-www-form-urlencoded"
		return fs.call(t, "POST", f.path, h, strings.NewReader(f.form.Encode()))
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range f.form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	data, err := os.ReadFile(f.upload)
	if err != nil {
		t.Fatal(err)
	}
	fw, _ := mw.CreateFormFile("file", "cveTags.xml")
	fw.Write(data)
	mw.Close()
	h["Content-Type"] = mw.FormDataContentType()
	return fs.call(t, "POST", f.path, h, &b)
}

var secretRe = regexp.MustCompile(`<code id="secret" class="secret">([^<]+)</code>`)

// secret is the token a page shows once.
func secret(t *testing.T, body string) string {
	t.Helper()
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token shown: %.300s", body)
	}
	return m[1]
}

// adminForms are the admin forms in an order that works on newFedServer's
// federation, each with its effect checked; the ids of what earlier forms
// made are filled in as they run (TestAdminForms).
func adminForms(tagsURL string) []adminForm {
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	grants := func(t *testing.T, fs *fedServer, user string, want ...string) {
		t.Helper()
		u, _, err := fs.st.UserByName(ctx, user)
		must(t, err)
		if !slices.Equal(u.Grants, want) {
			t.Errorf("%s's grants %v, want %v", user, u.Grants, want)
		}
	}
	me := func(t *testing.T, fs *fedServer, token string, want int) {
		t.Helper()
		if code, _, body := fs.call(t, "GET", "/api/v1/me", map[string]string{"Authorization": "Bearer " + token}, nil); code != want {
			t.Errorf("/api/v1/me with the token: %d, want %d (%.200s)", code, want, body)
		}
	}
	tag := func(t *testing.T, fs *fedServer, cve, name string) (store.CVETag, bool) {
		t.Helper()
		tags, err := fs.st.Tags(ctx, store.TagFilter{CVE: cve, Tag: name})
		must(t, err)
		if len(tags) == 0 {
			return store.CVETag{}, false
		}
		return tags[0], true
	}
	return []adminForm{
		{path: "/admin/users/add", form: url.Values{"name": {"newbie"}, "role": {"viewer"}, "grants": {"FZU"}, "password": {"password of newbie"}},
			want: 303, action: "user.add", after: func(t *testing.T, fs *fedServer, _ string) {
				grants(t, fs, "newbie", "FZU")
				_, hash, _ := fs.st.UserByName(ctx, "newbie")
				if !auth.CheckPassword(hash, "password of newbie") {
					t.Error("newbie's password is not the one given")
				}
			}},
		{path: "/admin/grants/add", form: url.Values{"user": {"nobody"}, "target": {"NGI_DE"}}, want: 303, action: "grant.add",
			after: func(t *testing.T, fs *fedServer, _ string) { grants(t, fs, "nobody", "NGI_DE") }},
		{path: "/admin/grants/revoke", form: url.Values{"user": {"two-sites"}, "target": {"DESY-HH"}}, want: 303, action: "grant.revoke",
			after: func(t *testing.T, fs *fedServer, _ string) { grants(t, fs, "two-sites", "FZU") }},
		{path: "/admin/users/disable", form: url.Values{"user": {"fzu"}, "disabled": {"1"}}, want: 303, action: "user.disable",
			after: func(t *testing.T, fs *fedServer, _ string) { me(t, fs, fs.tokens["fzu"], http.StatusForbidden) }},
		{path: "/admin/users/disable", form: url.Values{"user": {"fzu"}, "disabled": {"0"}}, want: 303, action: "user.enable",
			after: func(t *testing.T, fs *fedServer, _ string) { me(t, fs, fs.tokens["fzu"], http.StatusOK) }},
		{path: "/admin/users/password", form: url.Values{"user": {"ngi-de"}, "password": {"a new password"}}, want: 303, action: "user.password",
			after: func(t *testing.T, fs *fedServer, _ string) {
				_, hash, _ := fs.st.UserByName(ctx, "ngi-de")
				if !auth.CheckPassword(hash, "a new password") {
					t.Error("ngi-de's password did not change")
				}
			}},
		{path: "/admin/tokens/add", form: url.Values{"user": {"nobody"}, "expires": {"30d"}}, want: 200, action: "token.add",
			after: func(t *testing.T, fs *fedServer, body string) { me(t, fs, secret(t, body), http.StatusOK) }},
		{path: "/admin/tokens/revoke", form: url.Values{"user": {"two-sites"}}, want: 303, action: "token.revoke",
			after: func(t *testing.T, fs *fedServer, _ string) {
				me(t, fs, fs.tokens["two-sites"], http.StatusUnauthorized)
			}},
		{path: "/admin/users/delete", form: url.Values{"user": {"egi-csirt"}, "confirm": {"egi-csirt"}}, want: 303, action: "user.remove",
			after: func(t *testing.T, fs *fedServer, _ string) {
				if _, _, err := fs.st.UserByName(ctx, "egi-csirt"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("egi-csirt after its deletion: %v", err)
				}
			}},
		{path: "/admin/sites/add", form: url.Values{"name": {"NEW-SITE"}, "parent": {"NGI_CZ"}}, want: 303, action: "site.add",
			after: func(t *testing.T, fs *fedServer, _ string) {
				sites, _ := fs.st.SiteList(ctx, store.SitesScope("NEW-SITE"))
				if len(sites) != 1 || sites[0].Group != "NGI_CZ" {
					t.Errorf("NEW-SITE: %+v", sites)
				}
			}},
		{path: "/admin/groups/set", form: url.Values{"name": {"NGI_DE"}, "parent": {""}}, want: 303, action: "group.set",
			after: func(t *testing.T, fs *fedServer, _ string) {
				groups, _ := fs.st.Groups(ctx)
				for _, g := range groups {
					if g.Name == "NGI_DE" && g.Parent != "" {
						t.Errorf("NGI_DE still under %s", g.Parent)
					}
				}
			}},
		{path: "/admin/sites/token", form: url.Values{"site": {"FZU"}}, want: 200, action: "site.token.rotate",
			after: func(t *testing.T, fs *fedServer, body string) {
				if site, err := fs.st.FeedTokenSite(ctx, auth.HashToken(secret(t, body))); site != "FZU" || err != nil {
					t.Errorf("the token shown is site %q's (%v), want FZU's", site, err)
				}
			}},
		{path: "/admin/sites/cert/add", form: url.Values{"site": {"FZU"}, "match": {"dn"}, "value": {"/DC=org/DC=example/CN=wn.fzu.example.org"}},
			want: 303, action: "site.cert.add", after: func(t *testing.T, fs *fedServer, _ string) {
				if sites, _, _ := fs.st.CertSites(ctx, "/DC=org/DC=example/CN=wn.fzu.example.org", ""); !slices.Equal(sites, []string{"FZU"}) {
					t.Errorf("the certificate reports for %v", sites)
				}
			}},
		{path: "/admin/sites/cert/remove", form: url.Values{"site": {"FZU"}, "match": {"dn"}, "value": {"/DC=org/DC=example/CN=wn.fzu.example.org"}},
			want: 303, action: "site.cert.remove", after: func(t *testing.T, fs *fedServer, _ string) {
				if sites, _, _ := fs.st.CertSites(ctx, "/DC=org/DC=example/CN=wn.fzu.example.org", ""); len(sites) != 0 {
					t.Errorf("the removed certificate reports for %v", sites)
				}
			}},
		{path: "/admin/tags/add", form: url.Values{"cve": {"CVE-2022-4450"}, "tag": {"SITE-Watch"}, "reason": {"double free in PEM_read_bio_ex"}},
			want: 303, action: "tag.add", after: func(t *testing.T, fs *fedServer, _ string) {
				if tg, ok := tag(t, fs, "CVE-2022-4450", "SITE-Watch"); !ok || !tg.Enabled || tg.Author != "root" {
					t.Errorf("the tag added: %+v %v", tg, ok)
				}
			}},
		{path: "/admin/tags/enable", form: url.Values{"cve": {"CVE-2022-4450"}, "tag": {"SITE-Watch"}, "enabled": {"0"}},
			want: 303, action: "tag.disable", after: func(t *testing.T, fs *fedServer, _ string) {
				if tg, _ := tag(t, fs, "CVE-2022-4450", "SITE-Watch"); tg.Enabled {
					t.Error("the tag is still enabled")
				}
			}},
		{path: "/admin/tags/remove", form: url.Values{"cve": {"CVE-2022-4450"}, "tag": {"SITE-Watch"}}, want: 303, action: "tag.remove",
			after: func(t *testing.T, fs *fedServer, _ string) {
				if _, ok := tag(t, fs, "CVE-2022-4450", "SITE-Watch"); ok {
					t.Error("the tag is still there")
				}
			}},
		// testdata/pakiti3-cveTags.xml: four tags, one disabled.
		{path: "/admin/tags/import", upload: "testdata/pakiti3-cveTags.xml", want: 303, action: "tag.import",
			after: func(t *testing.T, fs *fedServer, _ string) {
				if tg, ok := tag(t, fs, "CVE-2023-0286", "EGI-Critical"); !ok || !tg.Enabled || tg.Author != "EGI CSIRT Pakiti" {
					t.Errorf("CVE-2023-0286 EGI-Critical after the upload: %+v %v", tg, ok)
				}
			}},
		{path: "/admin/tags/import", form: url.Values{"url": {tagsURL}, "remove": {"1"}}, want: 303, action: "tag.import",
			after: func(t *testing.T, fs *fedServer, _ string) {
				if tags, _ := fs.st.Tags(ctx, store.TagFilter{}); len(tags) != 4 {
					t.Errorf("%d tags after importing the file's four from its URL", len(tags))
				}
			}},
		{path: "/admin/exceptions/add", form: url.Values{"cve": {"CVE-2023-0286"}, "package": {"openssl"}, "version": {"1.1.1n-0+deb11u3"},
			"scope_kind": {"host"}, "scope": {"wn.fzu.example.org"}, "reason": {"rebuilt with the fix"}, "expires": {"2099-01-01"}},
			want: 303, action: "exception.add", after: func(t *testing.T, fs *fedServer, _ string) {
				es, err := fs.st.Exceptions(ctx, store.ExceptionFilter{})
				must(t, err)
				if len(es) != 1 || es[0].Scope != "wn.fzu.example.org" || es[0].Author != "root" || es[0].ExpiresAt == nil {
					t.Fatalf("exceptions: %+v", es)
				}
			}},
		{path: "/admin/exceptions/remove", form: url.Values{"id": {""}}, want: 303, action: "exception.remove",
			after: func(t *testing.T, fs *fedServer, _ string) {
				if es, _ := fs.st.Exceptions(ctx, store.ExceptionFilter{}); len(es) != 0 {
					t.Errorf("exceptions after the removal: %+v", es)
				}
			}},
		{path: "/admin/hosts/wn.orphan.example.org/delete", want: 303, action: "host.delete",
			after: func(t *testing.T, fs *fedServer, _ string) {
				if code, body := fs.as(t, "root", "/api/v1/hosts/wn.orphan.example.org"); code != http.StatusNotFound {
					t.Errorf("the deleted host: %d %.100s", code, body)
				}
			}},
	}
}

// TestAdminForms: every admin form × role. A viewer or csirt gets 403
// and changes nothing; an anonymous caller is sent to the login page; a
// cross-origin POST, even an admin's, is refused (CSRF); the admin's
// works, does what it says and is in the audit log.
func TestAdminForms(t *testing.T) {
	fs := newFedServer(t)
	ctx := context.Background()
	tagsFile := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	defer tagsFile.Close()
	forms := adminForms(tagsFile.URL + "/pakiti3-cveTags.xml")
	auditLen := func() int {
		log, err := fs.st.AuditLog(ctx, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(log)
	}
	for i, f := range forms {
		// The ids of what earlier forms made.
		switch f.path {
		case "/admin/tokens/revoke":
			toks, _ := fs.st.APITokens(ctx, "two-sites")
			f.form.Set("id", strconv.FormatInt(toks[0].ID, 10))
		case "/admin/exceptions/remove":
			es, _ := fs.st.Exceptions(ctx, store.ExceptionFilter{})
			if len(es) > 0 {
				f.form.Set("id", strconv.FormatInt(es[0].ID, 10))
			}
		}
		t.Run(strconv.Itoa(i)+f.path, func(t *testing.T) {
			before := auditLen()
			for _, who := range []string{"csirt", "ngi-cz", "nobody"} {
				if code, _, body := fs.post(t, f, map[string]string{"Authorization": "Bearer " + fs.tokens[who]}); code != http.StatusForbidden {
					t.Errorf("%s: %d, want 403 (%.100s)", who, code, body)
				}
			}
			if code, hd, _ := fs.post(t, f, nil); code != http.StatusFound || !strings.HasPrefix(hd.Get("Location"), "/login?next=") {
				t.Errorf("anonymous: %d to %q, want the login page", code, hd.Get("Location"))
			}
			for _, cross := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example.org"}} {
				cross["Authorization"] = "Bearer " + fs.tokens["root"]
				if code, _, body := fs.post(t, f, cross); code != http.StatusForbidden {
					t.Errorf("cross-origin admin %v: %d, want 403 (%.100s)", cross, code, body)
				}
			}
			if n := auditLen(); n != before {
				t.Fatalf("refused posts wrote %d audit entries", n-before)
			}
			code, _, body := fs.post(t, f, map[string]string{"Authorization": "Bearer " + fs.tokens["root"], "Sec-Fetch-Site": "same-origin"})
			if code != f.want {
				t.Fatalf("admin: %d, want %d (%.300s)", code, f.want, body)
			}
			log, _ := fs.st.AuditLog(ctx, "root", 1)
			if auditLen() != before+1 || len(log) != 1 || log[0].Action != f.action || log[0].At.IsZero() {
				t.Errorf("audit after the admin's post: %+v, want one %s entry by root", log, f.action)
			}
			if f.after != nil {
				f.after(t, fs, body)
			}
		})
	}
	// The admin pages and the tags page: forms for admins only.
	for _, p := range []string{"/admin/sites", "/admin/hosts/wn.fzu.example.org/delete"} {
		for _, u := range fedUsers {
			if u.name == "egi-csirt" || u.name == "two-sites" {
				continue // deleted, token revoked by the forms above
			}
			want := http.StatusForbidden
			if u.role == store.RoleAdmin {
				want = http.StatusOK
			}
			if code, _ := fs.as(t, u.name, p); code != want {
				t.Errorf("%s as %s: %d, want %d", p, u.name, code, want)
			}
		}
	}
	for _, p := range []string{"/tags", "/exceptions", "/hosts/wn.fzu.example.org"} {
		_, body := fs.as(t, "csirt", p)
		if strings.Contains(body, `action="/admin/`) || strings.Contains(body, `href="/admin/`) {
			t.Errorf("%s shows csirt an admin form", p)
		}
		if _, body := fs.as(t, "root", p); !strings.Contains(body, `/admin/`) {
			t.Errorf("%s shows root no admin form", p)
		}
	}
}

// TestAdminFormRefusals: forms that would lock an admin out or that name
// what does not exist are refused with the reason, and change nothing.
func TestAdminFormRefusals(t *testing.T) {
	fs := newFedServer(t)
	root := map[string]string{"Authorization": "Bearer " + fs.tokens["root"]}
	for _, c := range []struct {
		f    adminForm
		code int
		msg  string
	}{
		{adminForm{path: "/admin/users/disable", form: url.Values{"user": {"root"}, "disabled": {"1"}}}, 400, "its own account"},
		{adminForm{path: "/admin/users/delete", form: url.Values{"user": {"root"}, "confirm": {"root"}}}, 400, "its own account"},
		{adminForm{path: "/admin/users/delete", form: url.Values{"user": {"fzu"}}}, 400, "type its name"},
		{adminForm{path: "/admin/users/add", form: url.Values{"name": {"x"}, "grants": {"NO-SUCH-SITE"}}}, 400, "no site or group"},
		{adminForm{path: "/admin/users/add", form: url.Values{"name": {"fzu"}}}, 409, "exists already"},
		{adminForm{path: "/admin/users/password", form: url.Values{"user": {"fzu"}, "password": {"short"}}}, 400, "at least 8"},
		{adminForm{path: "/admin/sites/token", form: url.Values{"site": {"NO-SUCH-SITE"}}}, 404, "no site"},
		{adminForm{path: "/admin/tags/import", form: url.Values{"url": {"file:///etc/passwd"}}}, 400, "http:// or https://"},
		{adminForm{path: "/admin/exceptions/add", form: url.Values{"cve": {"CVE-2023-0286"}, "package": {"openssl"}}}, 400, "needs a reason"},
		{adminForm{path: "/admin/hosts/no.such.host/delete"}, 404, "no host"},
	} {
		code, _, body := fs.post(t, c.f, root)
		if code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s %v: %d, want %d with %q (%.300s)", c.f.path, c.f.form, code, c.code, c.msg, body)
		}
	}
	if log, _ := fs.st.AuditLog(context.Background(), "", 10); len(log) != 0 {
		t.Errorf("refused forms were audited: %+v", log)
	}
	if _, _, err := fs.st.UserByName(context.Background(), "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused user add made the user: %v", err)
	}
}

// TestDisabledUser: a disabled user cannot log in, its session ends and
// its API token and proxy header are refused; enabled again, it can.
func TestDisabledUser(t *testing.T) {
	fs := newFedServer(t, withModes(auth.Local, auth.Header))
	ctx := context.Background()
	login := func() (int, *http.Cookie, string) {
		hd, body := form(url.Values{"username": {"fzu"}, "password": {"password of fzu"}})
		code, rh, page := fs.call(t, "POST", "/login", hd, body)
		return code, sessionCookie(rh), page
	}
	code, c, _ := login()
	if code != http.StatusSeeOther || c == nil {
		t.Fatalf("login: %d %v", code, c)
	}
	session := map[string]string{"Cookie": c.Name + "=" + c.Value}
	if err := fs.st.SetUserDisabled(ctx, "fzu", true, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, c, page := login(); code != http.StatusForbidden || c != nil || !strings.Contains(page, "This user is disabled") {
		t.Errorf("disabled login: %d %v %.200s", code, c, page)
	}
	for name, hd := range map[string]map[string]string{
		"session": session, "token": {"Authorization": "Bearer " + fs.tokens["fzu"]}, "header": {"X-Remote-User": "fzu"},
	} {
		want := http.StatusForbidden
		if name == "session" {
			want = http.StatusUnauthorized // disabling ended it
		}
		if code, _, body := fs.call(t, "GET", "/api/v1/me", hd, nil); code != want {
			t.Errorf("disabled user's %s: %d, want %d (%.100s)", name, code, want, body)
		}
	}
	if err := fs.st.SetUserDisabled(ctx, "fzu", false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := fs.call(t, "GET", "/api/v1/me", map[string]string{"Authorization": "Bearer " + fs.tokens["fzu"]}, nil); code != http.StatusOK {
		t.Errorf("enabled again: %d", code)
	}
}

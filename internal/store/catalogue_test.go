package store

import (
	"context"
	"strings"
	"testing"
	"unsafe"

	"github.com/pakiti-go/pakiti/internal/model"
)

// TestCachesDoNotKeepReportBodies: the package fields and the site of a
// report are substrings of its body; what the store keeps after the
// report (catalogue cache keys, site ids) must be copies, or one cached
// package would keep a whole body of megabytes alive (issue 14: 12,000
// reports each bringing one new package held 580 MiB).
func TestCachesDoNotKeepReportBodies(t *testing.T) {
	s := openTest(t)
	in := incoming(t, "testdata/vaultwarden.pakiti5.txt", "alias.example.org", "SITE-FROM-BODY", t0)
	// The site as a piece of a larger string, as the parser leaves it.
	body := "site: SITE-FROM-BODY\n" + strings.Repeat("#", 1<<20)
	in.Host.Site = body[len("site: "):len("site: SITE-FROM-BODY")]
	if _, err := s.SaveReport(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	// Where each incoming field's bytes live.
	from := map[uintptr]string{}
	note := func(what, v string) {
		if v != "" {
			from[uintptr(unsafe.Pointer(unsafe.StringData(v)))] = what
		}
	}
	for _, p := range in.Packages {
		note("package "+p.Name, p.Name)
		note("version of "+p.Name, p.Version)
		note("arch of "+p.Name, p.Arch)
		note("source of "+p.Name, p.SourceName)
		note("source version of "+p.Name, p.SourceVersion)
	}
	note("site", in.Host.Site)
	shares := func(v string) (string, bool) {
		if v == "" {
			return "", false
		}
		what, ok := from[uintptr(unsafe.Pointer(unsafe.StringData(v)))]
		return what, ok
	}
	cached := 0
	s.cache.mu.RLock()
	for p := range s.cache.ids {
		cached++
		for _, f := range []string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion} {
			if what, ok := shares(f); ok {
				t.Errorf("catalogue cache key %s %s shares the report's bytes (%s)", p.Name, p.Version, what)
			}
		}
	}
	s.cache.mu.RUnlock()
	if cached != len(in.Packages) {
		t.Errorf("%d packages cached, want %d", cached, len(in.Packages))
	}
	s.mu.Lock()
	for name := range s.sites {
		if what, ok := shares(name); ok {
			t.Errorf("site cache key %q shares the report's bytes (%s)", name, what)
		}
	}
	s.mu.Unlock()
}

func TestClonePackage(t *testing.T) {
	p := model.Package{Name: "libssl3", Version: "3.0.11-1~deb12u2", Arch: "amd64", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2"}
	if got := clonePackage(p); got != p {
		t.Errorf("clonePackage(%+v) = %+v", p, got)
	}
	q := model.Package{Name: "busybox", Version: "1.36.1-r29", Arch: "x86_64"}
	if got := clonePackage(q); got != q {
		t.Errorf("clonePackage(%+v) = %+v", q, got)
	}
}

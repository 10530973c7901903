package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// TestExceptionApplies decides findings against exceptions at given
// times. The finding is real: openssl 1.1.1n-0+deb11u3 on a Debian 11
// host, affected by CVE-2022-4450 ("DSA-5343-1 openssl {... CVE-2022-4450
// ...} [bullseye] - openssl 1.1.1n-0+deb11u4"); the exceptions are
// constructed (no public exception data exists).
func TestExceptionApplies(t *testing.T) {
	created := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	expires := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	f := model.Finding{CVE: "CVE-2022-4450", Package: "openssl", Version: "1.1.1n-0+deb11u3", Arch: "amd64"}
	hs := store.HostSite{Hostname: "wn01.example.org", Site: "SITE-A"}
	const group = "debian:11"
	base := store.Exception{CVE: "CVE-2022-4450", Package: "openssl", ScopeKind: store.ScopeAll, Reason: "r", CreatedAt: created}
	with := func(change func(*store.Exception)) store.Exception {
		e := base
		change(&e)
		return e
	}
	before := expires.Add(-time.Nanosecond)
	cases := []struct {
		name string
		e    store.Exception
		f    model.Finding
		at   time.Time
		want bool
	}{
		{"every host, any version", base, f, created, true},
		{"other CVE", with(func(e *store.Exception) { e.CVE = "CVE-2022-4304" }), f, created, false},
		{"other package of the same source", with(func(e *store.Exception) { e.Package = "libssl1.1" }), f, created, false},
		{"exact version", with(func(e *store.Exception) { e.Version = "1.1.1n-0+deb11u3" }), f, created, true},
		{"other version", with(func(e *store.Exception) { e.Version = "1.1.1n-0+deb11u4" }), f, created, false},
		{"arch", with(func(e *store.Exception) { e.Arch = "amd64" }), f, created, true},
		{"other arch", with(func(e *store.Exception) { e.Arch = "i386" }), f, created, false},
		{"OS group", with(func(e *store.Exception) { e.ScopeKind, e.Scope = store.ScopeOSGroup, "debian:11" }), f, created, true},
		{"other OS group", with(func(e *store.Exception) { e.ScopeKind, e.Scope = store.ScopeOSGroup, "debian:12" }), f, created, false},
		{"site", with(func(e *store.Exception) { e.ScopeKind, e.Scope = store.ScopeSite, "SITE-A" }), f, created, true},
		{"other site", with(func(e *store.Exception) { e.ScopeKind, e.Scope = store.ScopeSite, "SITE-B" }), f, created, false},
		{"host", with(func(e *store.Exception) { e.ScopeKind, e.Scope = store.ScopeHost, "wn01.example.org" }), f, created, true},
		{"other host", with(func(e *store.Exception) { e.ScopeKind, e.Scope = store.ScopeHost, "wn02.example.org" }), f, created, false},
		{"a site named like the host is not the host", with(func(e *store.Exception) { e.ScopeKind, e.Scope = store.ScopeSite, "wn01.example.org" }), f, created, false},
		{"unknown scope kind", with(func(e *store.Exception) { e.ScopeKind = "planet" }), f, created, false},
		// Expiry: applies up to the instant before, not at it, nor after.
		{"a nanosecond before expiry", with(func(e *store.Exception) { e.ExpiresAt = &expires }), f, before, true},
		{"at expiry", with(func(e *store.Exception) { e.ExpiresAt = &expires }), f, expires, false},
		{"after expiry", with(func(e *store.Exception) { e.ExpiresAt = &expires }), f, expires.Add(time.Hour), false},
		{"expiry in another zone, same instant", with(func(e *store.Exception) { e.ExpiresAt = &expires }), f,
			expires.In(time.FixedZone("CEST", 2*3600)), false},
		// Created is a record, not a start.
		{"before its creation", base, f, created.Add(-time.Hour), true},
		// Pakiti 3 files write rpm versions without the epoch; reports
		// write it (0:5.1.8-4.el9: shared/data/inventories/alma-9).
		{"version without epoch 0", with(func(e *store.Exception) { e.CVE, e.Package, e.Version = "CVE-2022-3715", "bash", "5.1.8-4.el9" }),
			model.Finding{CVE: "CVE-2022-3715", Package: "bash", Version: "0:5.1.8-4.el9", Arch: "x86_64"}, created, true},
		{"version without epoch 1 is another version", with(func(e *store.Exception) { e.CVE, e.Package, e.Version = "CVE-2022-3715", "bash", "5.1.8-4.el9" }),
			model.Finding{CVE: "CVE-2022-3715", Package: "bash", Version: "1:5.1.8-4.el9", Arch: "x86_64"}, created, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.e.Applies(c.f, hs, group, c.at); got != c.want {
				t.Errorf("Applies = %v, want %v", got, c.want)
			}
			// The snapshot decides the same, and names the exception.
			p := store.NewPolicySnapshot(nil, []store.Exception{c.e}, c.at)
			got, why := p.Exception(c.f, hs, group, c.at)
			if got != c.want || got && why == "" || !got && why != "" {
				t.Errorf("snapshot: %v %q, want %v and a reason only when excepted", got, why, c.want)
			}
		})
	}
}

func TestPolicySnapshotTags(t *testing.T) {
	at := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	p := store.NewPolicySnapshot([]store.CVETag{
		{CVE: "CVE-2023-0286", Tag: "EGI-High", Enabled: true},
		{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Enabled: true},
		{CVE: "CVE-2022-1292", Tag: "EGI-High", Enabled: false},
	}, nil, at)
	if diff := cmp.Diff([]string{"EGI-Critical", "EGI-High"}, p.Tags("CVE-2023-0286")); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if got := p.Tags("CVE-2022-1292"); got != nil {
		t.Errorf("a disabled tag counts: %v", got)
	}
	for _, c := range []struct {
		cve, tag string
		want     bool
	}{
		{"CVE-2023-0286", "EGI-Critical", true}, {"CVE-2023-0286", store.AnyTag, true}, {"CVE-2022-1292", store.AnyTag, false},
		{"CVE-2022-1292", "EGI-High", false}, {"CVE-2022-1292", "", true},
	} {
		if got := p.HasTag(c.cve, c.tag); got != c.want {
			t.Errorf("HasTag(%s, %q) = %v, want %v", c.cve, c.tag, got, c.want)
		}
	}
}

// TestTagsCRUD: add, enable, disable, remove, on the engine under test.
func TestTagsCRUD(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	at := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	tag := store.CVETag{CVE: "CVE-2023-0286", Tag: "EGI-Critical", Reason: "r", InfoURL: "https://example.org/x", Enabled: true, Author: "alice", ModifiedAt: at}
	if err := s.PutTag(ctx, tag); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTagEnabled(ctx, "CVE-2023-0286", "EGI-Critical", false, "bob", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tags(ctx, store.TagFilter{CVE: "CVE-2023-0286"})
	want := tag
	want.Enabled, want.Author, want.ModifiedAt = false, "bob", at.Add(time.Hour)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v (%v)", got, err)
	}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("after disable (-want +got):\n%s", diff)
	}
	if en, _ := s.Tags(ctx, store.TagFilter{EnabledOnly: true}); len(en) != 0 {
		t.Errorf("enabled-only lists a disabled tag: %v", en)
	}
	if err := s.SetTagEnabled(ctx, "CVE-2023-0286", "EGI-High", true, "bob", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("enable a missing tag: %v, want ErrNotFound", err)
	}
	if err := s.RemoveTag(ctx, "CVE-2023-0286", "EGI-Critical"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveTag(ctx, "CVE-2023-0286", "EGI-Critical"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("remove twice: %v, want ErrNotFound", err)
	}
	for _, bad := range []store.CVETag{{CVE: "", Tag: "T"}, {CVE: "CVE-1", Tag: "two words"}, {CVE: "CVE-1", Tag: store.AnyTag}} {
		if err := s.PutTag(ctx, bad); err == nil {
			t.Errorf("PutTag(%+v) accepted", bad)
		}
	}
}

// TestImportSync: an import adds, changes and keeps; with remove it also
// deletes what the import lacks, all of the import counting (Pakiti 3's
// exceptions -r kept only its last node's).
func TestImportSync(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	at := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	tg := func(cve, tag, reason string) store.CVETag {
		return store.CVETag{CVE: cve, Tag: tag, Reason: reason, Enabled: true, Author: "csirt", ModifiedAt: at}
	}
	if _, err := s.ImportTags(ctx, []store.CVETag{tg("CVE-2022-1292", "EGI-High", "a"), tg("CVE-2023-0286", "EGI-Critical", "b"),
		tg("CVE-2023-0266", "EGI-Critical", "c")}, false); err != nil {
		t.Fatal(err)
	}
	local := tg("CVE-2023-0361", "SITE-LOCAL", "ours")
	if err := s.PutTag(ctx, local); err != nil {
		t.Fatal(err)
	}
	next := []store.CVETag{tg("CVE-2022-1292", "EGI-High", "a"), tg("CVE-2023-0286", "EGI-Critical", "b, reworded"), tg("CVE-2023-0464", "EGI-High", "d")}
	res, err := s.ImportTags(ctx, next, false)
	if want := (store.SyncResult{Added: 1, Changed: 1, Unchanged: 1}); err != nil || res != want {
		t.Errorf("import without remove: %+v (%v), want %+v", res, err, want)
	}
	if all, _ := s.Tags(ctx, store.TagFilter{}); len(all) != 5 {
		t.Errorf("%d tags after import without remove, want 5 (nothing removed)", len(all))
	}
	res, err = s.ImportTags(ctx, next, true)
	if want := (store.SyncResult{Unchanged: 3, Removed: 2}); err != nil || res != want {
		t.Errorf("import with remove: %+v (%v), want %+v", res, err, want)
	}
	all, _ := s.Tags(ctx, store.TagFilter{})
	var keys []string
	for _, x := range all {
		keys = append(keys, x.CVE+" "+x.Tag+" "+x.Reason)
	}
	if diff := cmp.Diff([]string{"CVE-2022-1292 EGI-High a", "CVE-2023-0286 EGI-Critical b, reworded", "CVE-2023-0464 EGI-High d"}, keys); diff != "" {
		t.Errorf("after sync (-want +got):\n%s", diff)
	}

	ex := func(cve, pkg, group string) store.Exception {
		return store.Exception{CVE: cve, Package: pkg, ScopeKind: store.ScopeOSGroup, Scope: group, Reason: "rebuilt", Author: "site", CreatedAt: at}
	}
	// Three exceptions from three nodes; the sync keeps all three.
	if _, err := s.ImportExceptions(ctx, []store.Exception{ex("CVE-2022-1292", "openssl", "debian:11")}, false); err != nil {
		t.Fatal(err)
	}
	file := []store.Exception{ex("CVE-2023-0361", "libgnutls30", "debian:11"), ex("CVE-2022-3715", "bash", "alma:9"), ex("CVE-2023-0286", "openssl", "debian:11")}
	res, err = s.ImportExceptions(ctx, file, true)
	if want := (store.SyncResult{Added: 3, Removed: 1}); err != nil || res != want {
		t.Errorf("exceptions sync: %+v (%v), want %+v", res, err, want)
	}
	es, _ := s.Exceptions(ctx, store.ExceptionFilter{})
	if len(es) != 3 {
		t.Errorf("%d exceptions after sync, want the file's 3: %+v", len(es), es)
	}
	// Again: nothing changes.
	res, err = s.ImportExceptions(ctx, file, true)
	if want := (store.SyncResult{Unchanged: 3}); err != nil || res != want {
		t.Errorf("exceptions sync again: %+v (%v), want %+v", res, err, want)
	}
}

// TestExceptionsActiveAt: the store's filter and the audit agree with
// Applies on expiry, with an injected clock.
func TestExceptionsActiveAt(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	at := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	exp := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	id, err := s.PutException(ctx, store.Exception{CVE: "CVE-2022-4450", Package: "openssl", ScopeKind: store.ScopeSite, Scope: "SITE-A",
		Reason: "until the upgrade", Author: "alice", CreatedAt: at, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{exp.Add(-time.Second), 1}, {exp, 0}, {exp.Add(time.Second), 0}} {
		es, err := s.Exceptions(ctx, store.ExceptionFilter{ActiveAt: c.at})
		if err != nil || len(es) != c.want {
			t.Errorf("active at %v: %d (%v), want %d", c.at, len(es), err, c.want)
		}
		cov, err := s.AuditExceptions(ctx, store.AllSites(), c.at)
		if err != nil || len(cov) != 1 || cov[0].Active != (c.want == 1) || cov[0].ID != id {
			t.Errorf("audit at %v: %+v (%v), want exception %d active=%v", c.at, cov, err, id, c.want == 1)
		}
	}
	if err := s.RemoveException(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveException(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
}

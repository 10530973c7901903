package osrules

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/osgroup"
	"github.com/pakiti-go/pakiti/internal/report"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// recorder is an Evaluator that records the hosts it is asked to
// evaluate (the matcher's evaluation itself is tested end to end in
// test/e2e/osrules_test.go).
type recorder struct {
	mu    sync.Mutex
	names [][]string
}

func (r *recorder) EvaluateHosts(_ context.Context, names []string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, append([]string(nil), names...))
	return len(names), nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// The hosts: the OS facts of real inventories (shared/data/inventories:
// debian-11/viking-db "Debian GNU/Linux 11", centos-7/vuls-centos7
// "CentOS Linux release 7.7.1908 (Core)", debian-12/ci-debian12 with its
// os-release ID debian, VERSION_ID 12, as a protocol-6 client sends it),
// one package each from those inventories.
var hosts = []struct {
	name, os, osID, osVersionID string
	protocol                    int
	pkg                         model.Package
}{
	{"deb11.example.org", "Debian GNU/Linux 11", "", "", 5, model.Package{Name: "adduser", Version: "3.118", Arch: "all"}},
	{"deb11-b.example.org", "Debian GNU/Linux 11", "", "", 5, model.Package{Name: "apt", Version: "2.2.4", Arch: "amd64"}},
	{"centos7.example.org", "CentOS Linux release 7.7.1908 (Core)", "", "", 5, model.Package{Name: "acl", Version: "0:2.2.51-14.el7", Arch: "x86_64"}},
	{"deb12.example.org", "Debian GNU/Linux 12 (bookworm)", "debian", "12", 6, model.Package{Name: "adduser", Version: "3.134", Arch: "all"}},
}

// seed stores the hosts with the groups the built-in rules give them, as
// the intake does.
func seed(t *testing.T, st *store.Store) {
	t.Helper()
	for i, h := range hosts {
		f := osgroup.Facts{System: h.os, OSID: h.osID, OSVersionID: h.osVersionID}
		pkgs := []model.Package{h.pkg}
		in := store.Incoming{
			Host: model.Host{Hostname: h.name, Site: "SITE", OS: h.os, OSID: h.osID, OSVersionID: h.osVersionID,
				Protocol: h.protocol, OSGroup: osgroup.Builtin.Group(f)},
			Packages: pkgs, SetHash: report.PackageSetHash(pkgs), HeaderHash: h.name,
			ReceivedAt: time.Date(2026, 12, 1, 8, i, 0, 0, time.UTC),
		}
		if _, err := st.SaveReport(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
}

// groups returns host name -> stored OS group.
func groups(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	hs, _, err := st.ListHosts(context.Background(), store.AllSites(), store.HostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, h := range hs {
		out[h.Hostname] = h.OSGroup
	}
	return out
}

// TestChangesRemap: each change re-maps exactly the hosts whose group it
// changes and has them evaluated; a protocol-6 host keeps the group of
// its os-release facts when a system-string rule would move it; removing
// the rules restores the built-in groups.
func TestChangesRemap(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	seed(t, st)
	builtin := map[string]string{"deb11.example.org": "debian:11", "deb11-b.example.org": "debian:11",
		"centos7.example.org": "centos:7", "deb12.example.org": "debian:12"}
	if diff := cmp.Diff(builtin, groups(t, st)); diff != "" {
		t.Fatalf("seeded groups (-want +got):\n%s", diff)
	}
	rec := &recorder{}
	svc := New(st, nil, "", rec, quiet)
	svc.CheckEvery = 0

	type step struct {
		name      string
		do        func() (Change, error)
		moves     []Move
		evaluated []string
		groups    map[string]string // changed from builtin
	}
	var centos, debian, debID Change
	steps := []step{
		{
			name: "a site whose CentOS 7 is its own Scientific Linux rebuild",
			do: func() (Change, error) {
				var err error
				centos, err = svc.Add(ctx, Spec{Match: `^CentOS Linux release 7\.`, Group: "scientific:7"})
				return centos, err
			},
			moves:     []Move{{"centos:7", "scientific:7", 1}},
			evaluated: []string{"centos7.example.org"},
			groups:    map[string]string{"centos7.example.org": "scientific:7"},
		},
		{
			// The protocol-6 Debian 12 host sent os-release facts, which
			// the built-in id: rule matches first: it stays in debian:12.
			name: "every Debian system string to a group of the site's mirror",
			do: func() (Change, error) {
				var err error
				debian, err = svc.Add(ctx, Spec{Match: `^Debian GNU/Linux (\d+)`, Group: "site-debian:$1", Position: 1})
				return debian, err
			},
			moves:     []Move{{"debian:11", "site-debian:11", 2}},
			evaluated: []string{"deb11-b.example.org", "deb11.example.org"},
			groups: map[string]string{"centos7.example.org": "scientific:7",
				"deb11.example.org": "site-debian:11", "deb11-b.example.org": "site-debian:11"},
		},
		{
			name: "an OS ID rule moves the protocol-6 host",
			do: func() (Change, error) {
				var err error
				debID, err = svc.Add(ctx, Spec{Match: `id:^debian (?P<v>\d+)$`, Group: "site-debian:${v}"})
				return debID, err
			},
			moves:     []Move{{"debian:12", "site-debian:12", 1}},
			evaluated: []string{"deb12.example.org"},
			groups: map[string]string{"centos7.example.org": "scientific:7",
				"deb11.example.org": "site-debian:11", "deb11-b.example.org": "site-debian:11", "deb12.example.org": "site-debian:12"},
		},
		{
			name: "a change that moves nobody: the CentOS rule to the end",
			do:   func() (Change, error) { return svc.Move(ctx, centos.Rule.ID, 3) },
			groups: map[string]string{"centos7.example.org": "scientific:7",
				"deb11.example.org": "site-debian:11", "deb11-b.example.org": "site-debian:11", "deb12.example.org": "site-debian:12"},
		},
		{
			name: "changing the Debian rule to 11 only",
			do: func() (Change, error) {
				return svc.Update(ctx, debian.Rule.ID, Spec{Match: `^Debian GNU/Linux 11$`, Group: "debian:11"})
			},
			moves:     []Move{{"site-debian:11", "debian:11", 2}},
			evaluated: []string{"deb11-b.example.org", "deb11.example.org"},
			groups:    map[string]string{"centos7.example.org": "scientific:7", "deb12.example.org": "site-debian:12"},
		},
		{
			name:      "removing the CentOS rule",
			do:        func() (Change, error) { return svc.Remove(ctx, centos.Rule.ID) },
			moves:     []Move{{"scientific:7", "centos:7", 1}},
			evaluated: []string{"centos7.example.org"},
			groups:    map[string]string{"deb12.example.org": "site-debian:12"},
		},
		{
			name:      "removing the OS ID rule",
			do:        func() (Change, error) { return svc.Remove(ctx, debID.Rule.ID) },
			moves:     []Move{{"site-debian:12", "debian:12", 1}},
			evaluated: []string{"deb12.example.org"},
		},
	}
	for _, s := range steps {
		rec.names = nil
		ch, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.moves, ch.Moves, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: moves (-want +got):\n%s", s.name, diff)
		}
		var evaluated []string
		for _, n := range rec.names {
			evaluated = append(evaluated, n...)
		}
		if diff := cmp.Diff(s.evaluated, evaluated, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: hosts evaluated (-want +got):\n%s", s.name, diff)
		}
		if ch.Regrouped != len(s.evaluated) || ch.Evaluated != len(s.evaluated) {
			t.Errorf("%s: regrouped %d, evaluated %d; want %d", s.name, ch.Regrouped, ch.Evaluated, len(s.evaluated))
		}
		want := map[string]string{}
		for h, g := range builtin {
			want[h] = g
		}
		for h, g := range s.groups {
			want[h] = g
		}
		if diff := cmp.Diff(want, groups(t, st)); diff != "" {
			t.Errorf("%s: groups (-want +got):\n%s", s.name, diff)
		}
	}
}

// TestRefused: a rule whose regular expression does not compile, whose
// group names a missing submatch, or that is empty is refused with
// ErrInvalid and a reason; nothing is stored, no host moves.
func TestRefused(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	seed(t, st)
	svc := New(st, nil, "", &recorder{}, quiet)
	ok, err := svc.Add(ctx, Spec{Match: `^CentOS Linux release 7\.`, Group: "scientific:7"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() (Change, error)
		want string
	}{
		{"bad regexp", func() (Change, error) { return svc.Add(ctx, Spec{Match: `^CentOS (7`, Group: "centos:$1"}) }, "missing closing )"},
		{"missing submatch", func() (Change, error) { return svc.Add(ctx, Spec{Match: `^CentOS (\d+)`, Group: "centos:$2"}) }, "names submatch $2, the regular expression has 1"},
		{"missing name", func() (Change, error) {
			return svc.Add(ctx, Spec{Match: `id:^centos (?P<major>\d+)`, Group: "centos:${ver}"})
		}, "no group of that name"},
		{"empty", func() (Change, error) { return svc.Add(ctx, Spec{Match: " ", Group: "x:1"}) }, "would match every host"},
		{"no group", func() (Change, error) { return svc.Add(ctx, Spec{Match: "^x"}) }, "no group"},
		{"two lines", func() (Change, error) { return svc.Add(ctx, Spec{Match: "^x\n^y", Group: "x:1"}) }, "one line"},
		{"change to a bad one", func() (Change, error) {
			return svc.Update(ctx, ok.Rule.ID, Spec{Match: `^CentOS`, Group: "centos:$1"})
		}, "names submatch $1, the regular expression has 0"},
		{"move to 0", func() (Change, error) { return svc.Move(ctx, ok.Rule.ID, 0) }, "position is 1 or more"},
	} {
		_, err := tc.do()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalid with %q", tc.name, err, tc.want)
		}
	}
	if _, err := svc.Remove(ctx, ok.Rule.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("remove a missing rule: %v, want ErrNotFound", err)
	}
	rs, v, err := st.OSRules(ctx)
	if err != nil || len(rs) != 1 || v != 1 || rs[0].Group != "scientific:7" {
		t.Errorf("after refused changes: %+v, version %d, %v; want the one rule, version 1", rs, v, err)
	}
}

// TestServersSeeChanges: two servers on one database (two stores, two
// services): a rule one adds reaches the other's intake rules once its
// check interval has passed, not before; a removal likewise; the other's
// listing (forced read) sees it at once. Runs on both engines.
func TestServersSeeChanges(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.DSN(t)
	open := func() *store.Store {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := New(open(), nil, "", nil, quiet), New(open(), nil, "", nil, quiet)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a.Now, b.Now = clock, clock
	a.CheckEvery, b.CheckEvery = 5*time.Second, 5*time.Second
	centos := osgroup.Facts{System: "CentOS Linux release 7.7.1908 (Core)"}
	if g := b.Rules().Group(centos); g != "centos:7" {
		t.Fatalf("server B before any change: %q, want centos:7", g)
	}
	ch, err := a.Add(ctx, Spec{Match: `^CentOS Linux release 7\.`, Group: "scientific:7"})
	if err != nil {
		t.Fatal(err)
	}
	if g := a.Rules().Group(centos); g != "scientific:7" {
		t.Errorf("server A after its own change: %q, want scientific:7", g)
	}
	now = now.Add(4 * time.Second)
	if g := b.Rules().Group(centos); g != "centos:7" {
		t.Errorf("server B 4 s after the change (checks every 5 s): %q, want centos:7 still", g)
	}
	now = now.Add(2 * time.Second)
	if g := b.Rules().Group(centos); g != "scientific:7" {
		t.Errorf("server B 6 s after the change: %q, want scientific:7", g)
	}
	if _, err := a.Remove(ctx, ch.Rule.ID); err != nil {
		t.Fatal(err)
	}
	if es, err := b.List(ctx); err != nil || es[0].Origin != Builtin {
		t.Errorf("server B's listing right after the removal starts with %+v (%v), want the built-in rules", es[0], err)
	}
	now = now.Add(6 * time.Second)
	if g := b.Rules().Group(centos); g != "centos:7" {
		t.Errorf("server B after the removal: %q, want centos:7", g)
	}
}

// TestLayers: database rules, then the file's, then the built-in ones,
// each with its origin and position; Check names the deciding rule.
func TestLayers(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	file, err := osgroup.Parse(strings.NewReader("^CentOS Linux release 7\\. => scientific:7\n"), "site.rules")
	if err != nil {
		t.Fatal(err)
	}
	svc := New(st, file, "site.rules", nil, quiet)
	centos := osgroup.Facts{System: "CentOS Linux release 7.7.1908 (Core)"}
	v, err := svc.Check(ctx, centos)
	if err != nil || v.Group != "scientific:7" || v.Rule.Origin != File || v.Rule.Position != 1 {
		t.Errorf("with the file: %+v, %v; want scientific:7 by file rule 1", v, err)
	}
	ch, err := svc.Add(ctx, Spec{Match: `^CentOS Linux release (\d+)`, Group: "site-centos:$1"})
	if err != nil {
		t.Fatal(err)
	}
	v, err = svc.Check(ctx, centos)
	if err != nil || v.Group != "site-centos:7" || v.Rule.Origin != Database || v.Rule.ID != ch.Rule.ID {
		t.Errorf("with a database rule: %+v, %v; want site-centos:7 by rule %d", v, err, ch.Rule.ID)
	}
	v, err = svc.Check(ctx, osgroup.Facts{System: "Plan 9"})
	if err != nil || v.Group != "" || v.Rule != nil {
		t.Errorf("an unknown OS: %+v, %v; want no group, no rule", v, err)
	}
	es, err := svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var origins []string
	for _, e := range es {
		if n := len(origins); n == 0 || !strings.HasPrefix(origins[n-1], string(e.Origin)) {
			origins = append(origins, string(e.Origin))
		}
	}
	if diff := cmp.Diff([]string{"database", "file", "builtin"}, origins); diff != "" || len(es) != 2+len(osgroup.Builtin) {
		t.Errorf("layers (-want +got):\n%s\n%d rules, want %d", diff, len(es), 2+len(osgroup.Builtin))
	}
	if last := es[len(es)-1]; last.Position != len(osgroup.Builtin) {
		t.Errorf("last built-in rule at position %d, want %d", last.Position, len(osgroup.Builtin))
	}
}

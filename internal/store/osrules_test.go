package store_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

func init() {
	// The OS rule methods in the scope tables (scope_test.go), kept here.
	for name, why := range map[string]string{
		"OSRules": "configuration: OS group rules, no host data", "OSRulesVersion": "configuration: a counter",
		"AddOSRule": "configuration write", "UpdateOSRule": "configuration write",
		"MoveOSRule": "configuration write", "RemoveOSRule": "configuration write",
	} {
		unscoped[name] = why
	}
	// Both take a Scope and return host names; RegroupHosts is exercised
	// with the group the hosts have, so that it changes nothing the other
	// cases read.
	scopeReads = append(scopeReads, scopeRead{
		method: "HostOSFacts", name: "hosts' OS facts",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			fs, err := s.HostOSFacts(ctx, sc)
			var out []string
			for _, f := range fs {
				// one line per host: the counts add up across sites
				out = append(out, times(f.Hosts, fmt.Sprintf("%s|%s|%s|%s", f.OS, f.OSID, f.OSVersionID, f.OSGroup))...)
			}
			return out, err
		},
		want: map[string][]string{
			// a1 and a2 on SITE-A, b1 on SITE-B, all Debian 11
			"SITE-A": {"Debian GNU/Linux 11|debian|11|debian:11", "Debian GNU/Linux 11|debian|11|debian:11"},
			"SITE-B": {"Debian GNU/Linux 11|debian|11|debian:11"},
		},
	}, scopeRead{
		method: "RegroupHosts", name: "regroup hosts (to their own group)",
		read: func(ctx context.Context, s *store.Store, sc store.Scope) ([]string, error) {
			return s.RegroupHosts(ctx, sc, store.HostOS{OS: "Debian GNU/Linux 11", OSID: "debian", OSVersionID: "11", OSGroup: "debian:11"}, "debian:11")
		},
		want: map[string][]string{
			"SITE-A": {"a1.example.org", "a2.example.org"},
			"SITE-B": {"b1.example.org"},
		},
	})
}

// rulesLine renders the stored rules as "position:pattern=>group[id]" in
// order, ids as the test named them.
func rulesLine(t *testing.T, s *store.Store, names map[int64]string) ([]string, int64) {
	t.Helper()
	rs, v, err := s.OSRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		id := names[r.ID]
		if r.OSID {
			id += " id"
		}
		out = append(out, fmt.Sprintf("%d:%s=>%s[%s]", r.Position, r.Pattern, r.Group, id))
	}
	return out, v
}

// TestOSRulesCRUD: rules are kept in order 1..n through adds at a
// position, moves up and down, changes and removals; each change raises
// the version by one; a missing id is ErrNotFound and changes nothing.
func TestOSRulesCRUD(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if rs, v, err := s.OSRules(ctx); err != nil || len(rs) != 0 || v != 0 {
		t.Fatalf("fresh database: %v, version %d, %v; want no rule, version 0", rs, v, err)
	}
	names := map[int64]string{}
	add := func(name string, pos int, osID bool) store.OSRule {
		t.Helper()
		r, err := s.AddOSRule(ctx, store.OSRule{Position: pos, Pattern: "^" + name, OSID: osID, Group: name + ":1"}, now)
		if err != nil {
			t.Fatal(err)
		}
		names[r.ID] = name
		return r
	}
	type step struct {
		name    string
		do      func() error
		want    []string
		version int64
	}
	var a, b, c, d store.OSRule
	steps := []step{
		{"add a (at the end)", func() error { a = add("a", 0, false); return nil }, []string{"1:^a=>a:1[a]"}, 1},
		{"add b past the end", func() error { b = add("b", 7, true); return nil }, []string{"1:^a=>a:1[a]", "2:^b=>b:1[b id]"}, 2},
		{"add c first", func() error { c = add("c", 1, false); return nil }, []string{"1:^c=>c:1[c]", "2:^a=>a:1[a]", "3:^b=>b:1[b id]"}, 3},
		{"add d second", func() error { d = add("d", 2, false); return nil },
			[]string{"1:^c=>c:1[c]", "2:^d=>d:1[d]", "3:^a=>a:1[a]", "4:^b=>b:1[b id]"}, 4},
		{"move c down to 3", func() error { _, _, err := s.MoveOSRule(ctx, c.ID, 3, now); return err },
			[]string{"1:^d=>d:1[d]", "2:^a=>a:1[a]", "3:^c=>c:1[c]", "4:^b=>b:1[b id]"}, 5},
		{"move b up to 1", func() error { _, _, err := s.MoveOSRule(ctx, b.ID, 1, now); return err },
			[]string{"1:^b=>b:1[b id]", "2:^d=>d:1[d]", "3:^a=>a:1[a]", "4:^c=>c:1[c]"}, 6},
		{"move d past the end", func() error { _, _, err := s.MoveOSRule(ctx, d.ID, 99, now); return err },
			[]string{"1:^b=>b:1[b id]", "2:^a=>a:1[a]", "3:^c=>c:1[c]", "4:^d=>d:1[d]"}, 7},
		{"move a to where it is", func() error { _, _, err := s.MoveOSRule(ctx, a.ID, 2, now); return err },
			[]string{"1:^b=>b:1[b id]", "2:^a=>a:1[a]", "3:^c=>c:1[c]", "4:^d=>d:1[d]"}, 8},
		{"change a", func() error {
			before, after, err := s.UpdateOSRule(ctx, a.ID, "id:^x (\\d+)", true, "x:$1", now.Add(time.Minute))
			if err == nil && (before.Pattern != "^a" || after.Position != 2 || !after.UpdatedAt.Equal(now.Add(time.Minute)) || !after.CreatedAt.Equal(now)) {
				err = fmt.Errorf("before %+v after %+v", before, after)
			}
			return err
		}, []string{"1:^b=>b:1[b id]", "2:id:^x (\\d+)=>x:$1[a id]", "3:^c=>c:1[c]", "4:^d=>d:1[d]"}, 9},
		{"remove b (the first)", func() error {
			r, err := s.RemoveOSRule(ctx, b.ID)
			if err == nil && (r.Pattern != "^b" || r.Position != 1) {
				err = fmt.Errorf("removed %+v", r)
			}
			return err
		}, []string{"1:id:^x (\\d+)=>x:$1[a id]", "2:^c=>c:1[c]", "3:^d=>d:1[d]"}, 10},
		{"remove c (the middle)", func() error { _, err := s.RemoveOSRule(ctx, c.ID); return err },
			[]string{"1:id:^x (\\d+)=>x:$1[a id]", "2:^d=>d:1[d]"}, 11},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, v := rulesLine(t, s, names)
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", st.name, diff)
		}
		if v != st.version {
			t.Errorf("after %s: version %d, want %d", st.name, v, st.version)
		}
	}
	// A missing rule: ErrNotFound, nothing changes, the version neither.
	missing := b.ID
	for name, err := range map[string]error{
		"move":   func() error { _, _, err := s.MoveOSRule(ctx, missing, 1, now); return err }(),
		"change": func() error { _, _, err := s.UpdateOSRule(ctx, missing, "^z", false, "z:1", now); return err }(),
		"remove": func() error { _, err := s.RemoveOSRule(ctx, missing); return err }(),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s rule %d (removed): %v, want ErrNotFound", name, missing, err)
		}
	}
	for name, err := range map[string]error{
		"add at -1": func() error {
			_, err := s.AddOSRule(ctx, store.OSRule{Position: -1, Pattern: "^z", Group: "z:1"}, now)
			return err
		}(),
		"move to 0": func() error { _, _, err := s.MoveOSRule(ctx, d.ID, 0, now); return err }(),
	} {
		if !errors.Is(err, store.ErrBadPosition) {
			t.Errorf("%s: %v, want ErrBadPosition", name, err)
		}
	}
	got, v := rulesLine(t, s, names)
	if diff := cmp.Diff([]string{"1:id:^x (\\d+)=>x:$1[a id]", "2:^d=>d:1[d]"}, got); diff != "" || v != 11 {
		t.Errorf("failed changes changed the rules (version %d, want 11):\n%s", v, diff)
	}
	// Ids are not given again: d has the largest; removed, the next rule
	// gets a new one (admins and scripts name rules by id).
	if _, err := s.RemoveOSRule(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if e := add("e", 0, false); e.ID <= d.ID {
		t.Errorf("rule added after removing rule %d got id %d: ids are reused", d.ID, e.ID)
	}
}

// TestOSRulesConcurrent: rules added and moved at once by many writers
// (servers sharing a PostgreSQL database) keep distinct positions 1..n and
// one version step per change.
func TestOSRulesConcurrent(t *testing.T) {
	ctx := context.Background()
	s := testdb.Open(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			r, err := s.AddOSRule(ctx, store.OSRule{Position: 1 + i%3, Pattern: fmt.Sprintf("^r%d", i), Group: "g:1"}, time.Now())
			if err != nil {
				errs <- err
				return
			}
			if _, _, err := s.MoveOSRule(ctx, r.ID, 1+(i*7)%n, time.Now()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rs, v, err := s.OSRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pos []int
	for _, r := range rs {
		pos = append(pos, r.Position)
	}
	sort.Ints(pos)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if diff := cmp.Diff(want, pos, cmpopts.EquateEmpty()); diff != "" || v != 2*n {
		t.Errorf("positions (-want +got):\n%s\nversion %d, want %d", diff, v, 2*n)
	}
}

package store

import (
	"context"
	"testing"
)

// TestSameTarget checks Saved.SameTarget: a changed report whose host
// keeps what its findings are made from (set, OS group, kernel, protocol,
// site, no module streams), findings written under the policy in force,
// needs no evaluation; any of those changed, or no findings key, does.
func TestSameTarget(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		key    string // the host's findings key before the report
		change func(*Incoming)
		want   bool
	}{
		{"only the header hash", "digest|6.1.0-26-amd64|", func(in *Incoming) {}, true},
		{"tag", "digest|6.1.0-26-amd64|", func(in *Incoming) { in.Host.Tag = "new-tag" }, true},
		{"never evaluated", "", func(in *Incoming) {}, false},
		{"another policy generation", "digest|6.1.0-26-amd64|p0123", func(in *Incoming) {}, false},
		{"kernel", "digest|6.1.0-26-amd64|", func(in *Incoming) { in.Host.Kernel = "6.1.0-27-amd64" }, false},
		{"OS group", "digest|6.1.0-26-amd64|", func(in *Incoming) { in.Host.OSGroup = "debian:13" }, false},
		{"protocol", "digest|6.1.0-26-amd64|", func(in *Incoming) { in.Host.Protocol = 6 }, false},
		{"site", "digest|6.1.0-26-amd64|", func(in *Incoming) { in.Host.Site = "SITE-B" }, false},
		{"module streams", "digest|6.1.0-26-amd64|", func(in *Incoming) { in.Modules = HostModules{Known: true} }, false},
		{"package set", "digest|6.1.0-26-amd64|", func(in *Incoming) {
			in.Packages = in.Packages[1:]
			in.SetHash = "other-set"
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTest(t)
			in := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "a.example.org", "SITE-A", t0)
			in.Host.Kernel, in.Host.OSGroup = "6.1.0-26-amd64", "debian:12"
			saved, err := s.SaveReport(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if saved.SameTarget {
				t.Errorf("first report: SameTarget")
			}
			// As the matcher's findings writer leaves it (WriteFindings).
			if _, err := s.w.ExecContext(ctx, `UPDATE hosts SET findings_key = $1 WHERE id = $2`, c.key, saved.HostID); err != nil {
				t.Fatal(err)
			}
			next := in
			next.HeaderHash += "-changed"
			next.ReceivedAt = t0.Add(24 * 3600e9)
			c.change(&next)
			saved, err = s.SaveReport(ctx, next)
			if err != nil {
				t.Fatal(err)
			}
			if saved.Change != HostChanged || saved.SameTarget != c.want {
				t.Errorf("change %v, SameTarget %v; want changed, %v", saved.Change, saved.SameTarget, c.want)
			}
		})
	}
	t.Run("removed", func(t *testing.T) {
		s := openTest(t)
		in := incoming(t, "testdata/fanal-testdata-dpkg.pakiti5.txt", "a.example.org", "SITE-A", t0)
		saved, err := s.SaveReport(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.ExecContext(ctx, `UPDATE hosts SET findings_key = 'd||' WHERE id = $1`, saved.HostID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteHost(ctx, AllSites(), "a.example.org", t0.Add(3600e9)); err != nil {
			t.Fatal(err)
		}
		in.HeaderHash += "-changed"
		in.ReceivedAt = t0.Add(2 * 3600e9)
		if saved, err = s.SaveReport(ctx, in); err != nil || saved.SameTarget {
			t.Errorf("removed host back: SameTarget %v, %v", saved.SameTarget, err)
		}
		// ForgetFindingsKey: the next report is evaluated.
		if _, err := s.w.ExecContext(ctx, `UPDATE hosts SET findings_key = 'd||' WHERE id = $1`, saved.HostID); err != nil {
			t.Fatal(err)
		}
		if err := s.ForgetFindingsKey(ctx, saved.HostID); err != nil {
			t.Fatal(err)
		}
		in.HeaderHash += "-again"
		in.ReceivedAt = t0.Add(3 * 3600e9)
		if saved, err = s.SaveReport(ctx, in); err != nil || saved.SameTarget {
			t.Errorf("after ForgetFindingsKey: SameTarget %v, %v", saved.SameTarget, err)
		}
	})
}

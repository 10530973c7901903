package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/testdb/testdsn"
)

// TestDataSnapshotAcrossInstances checks the data cache (datacache.go):
// one server's snapshot is reused while the data stays, and follows an
// import another server (a second Store on the same database) makes: a
// group gaining data, its date moving, a group losing its data.
func TestDataSnapshotAcrossInstances(t *testing.T) {
	ctx := context.Background()
	dsn := testdsn.DSN(t)
	open := func() *Store {
		t.Helper()
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	// DSA-5169-1 openssl {CVE-2022-2068} [buster] - openssl 1.1.1n-0+deb10u3, [bullseye] - openssl 1.1.1n-0+deb11u3
	buster := model.Advisory{Source: "debian-dsa", OSGroup: "debian:10", Package: "openssl", CVE: "CVE-2022-2068",
		FixedVersion: "1.1.1n-0+deb10u3", Status: model.StatusFixed, AdvisoryID: "DSA-5169-1"}
	bullseye := model.Advisory{Source: "debian-dsa", OSGroup: "debian:11", Package: "openssl", CVE: "CVE-2022-2068",
		FixedVersion: "1.1.1n-0+deb11u3", Status: model.StatusFixed, AdvisoryID: "DSA-5169-1"}
	load := func(at time.Time, recs ...model.Advisory) {
		t.Helper()
		_, err := b.ReplaceAdvisories(ctx, ImportRun{Source: "debian", StartedAt: at,
			Locations: []Location{{Location: "DSA-list", Fingerprint: at.Format(time.RFC3339)}}},
			func(add func(model.Advisory) error) error {
				for _, r := range recs {
					if err := add(r); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	type view struct {
		Dates map[string]time.Time
		Has   map[string]bool
	}
	look := func(step string, want view) *DataSnapshot {
		t.Helper()
		snap, err := a.DataSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := view{Dates: snap.Dates, Has: map[string]bool{}}
		for _, g := range []string{"debian:10", "debian:11", "debian:12"} {
			got.Has[g] = snap.Has(g)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: server A's data (-want +got):\n%s", step, diff)
		}
		// Unchanged data: the same snapshot, not read again.
		if again, err := a.DataSnapshot(ctx); err != nil || again != snap {
			t.Errorf("%s: second read gave another snapshot (%v): not cached", step, err)
		}
		return snap
	}
	none := map[string]bool{"debian:10": false, "debian:11": false, "debian:12": false}
	look("no data", view{Dates: map[string]time.Time{}, Has: none})

	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	load(t0, buster, bullseye)
	look("first import", view{Dates: map[string]time.Time{"debian:10": t0, "debian:11": t0},
		Has: map[string]bool{"debian:10": true, "debian:11": true, "debian:12": false}})

	t1 := t0.Add(6 * time.Hour)
	load(t1, buster, bullseye)
	look("same records, newer import", view{Dates: map[string]time.Time{"debian:10": t1, "debian:11": t1},
		Has: map[string]bool{"debian:10": true, "debian:11": true, "debian:12": false}})

	// buster's record withdrawn (constructed: the real list keeps it).
	t2 := t1.Add(6 * time.Hour)
	load(t2, bullseye)
	look("buster withdrawn", view{Dates: map[string]time.Time{"debian:11": t2},
		Has: map[string]bool{"debian:10": false, "debian:11": true, "debian:12": false}})
	if has, err := a.HasData(ctx, "debian:10"); err != nil || has {
		t.Errorf("HasData(debian:10) = %v, %v after the withdrawal", has, err)
	}
}

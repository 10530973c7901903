package debian

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
	"github.com/pakiti-go/pakiti/internal/testdb"
)

// storeFleet is the store as the importer hands it to Plan, with the
// fleet's releases fixed.
type storeFleet struct {
	*store.Store
	groups []string
}

func (f storeFleet) FleetFacts(context.Context, string) ([]string, []string, error) {
	return f.groups, nil, nil
}

// The releases Plan reads follow the tracker JSON in force. The
// expectations are the "releases" keys of the real excerpts, read by hand:
// vunnel_debian.json names jessie, stretch, buster, bullseye, bookworm,
// trixie and sid; vuls-data-update_advisory.json bullseye and sid only.
func TestPlanFollowsTrackerReleases(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.MigratedDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	im := &source.Importer{Store: st, Sources: source.NewRegistry(New()), Fetcher: source.NewFetcher(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	const d, s = "https://deb.debian.org/debian/dists/", "https://security.debian.org/debian-security/dists/"
	idx := func(rel string) []string {
		if rel == "sid" {
			return []string{d + "sid/main/binary-amd64/Packages.xz"}
		}
		return []string{d + rel + "/main/binary-amd64/Packages.xz", s + rel + "-security/main/binary-amd64/Packages.xz",
			d + rel + "-updates/main/binary-amd64/Packages.xz"}
	}
	plan := func(rels ...string) []string {
		out := []string{TrackerURL}
		for _, r := range rels {
			out = append(out, idx(r)...)
		}
		return out
	}
	for _, step := range []struct {
		name  string
		file  string // tracker JSON imported before planning; "" none
		a     Archive
		fleet []string
		want  []string
	}{
		{"no tracker JSON yet: Debian 11, 12, 13 and the fleet's from 11 on", "", Archive{},
			[]string{"debian:10", "debian:14"}, plan("bullseye", "bookworm", "trixie", "forky")},
		{"the tracker lists LTS and ELTS releases and sid: all read", "testdata/vunnel_debian.json", Archive{},
			nil, plan("jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "sid")},
		{"the fleet's releases the tracker does not list are not read", "", Archive{},
			[]string{"debian:8", "debian:14"}, plan("jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "sid")},
		{"a newer tracker JSON lists fewer: the others dropped", "testdata/vuls-data-update_advisory.json", Archive{},
			[]string{"debian:12"}, plan("bullseye", "sid")},
		{"configured releases win, the fleet's listed ones added", "", Archive{Releases: []string{"bookworm"}},
			[]string{"debian:11", "debian:13"}, plan("bullseye", "bookworm")},
	} {
		if step.file != "" {
			if _, err := im.Import(ctx, "debian", []string{step.file}, false); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
		}
		got, missing, err := step.a.Plan(ctx, storeFleet{st, step.fleet})
		if err != nil || len(missing) != 0 {
			t.Fatalf("%s: missing %v, error %v", step.name, missing, err)
		}
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("%s: plan (-want +got):\n%s", step.name, diff)
		}
	}
}

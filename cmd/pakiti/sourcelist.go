package main

import (
	"context"
	"slices"
	"sort"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
)

// sourceListing is one source in `pakiti sources list --format json`:
// every location it reads, what is loaded, and its package indexes.
type sourceListing struct {
	Name string `json:"name"`
	// Locations are every location the source reads: those of the import
	// in force and its package indexes, and those its next update reads
	// (for Debian the plan for the fleet: tracker, then every Packages
	// index), URLs or paths, sorted.
	Locations []string `json:"locations"`
	// Missing are locations the plan wants but cannot read (a local
	// mirror without them).
	Missing []string `json:"missing,omitempty"`
	// Indexes are the package indexes loaded, by location.
	Indexes []store.SourceIndex `json:"indexes,omitempty"`
	*store.SourceStatus
}

// sourceListings lists every registered source, loaded or not.
func sourceListings(ctx context.Context, st *store.Store, reg *source.Registry, loaded []store.SourceStatus) ([]sourceListing, error) {
	byName := map[string]*store.SourceStatus{}
	for i := range loaded {
		byName[loaded[i].Source] = &loaded[i]
	}
	out := []sourceListing{}
	for _, name := range reg.Names() {
		src, _ := reg.Get(name)
		l := sourceListing{Name: name, SourceStatus: byName[name], Locations: []string{}}
		var locs []string
		if p, ok := src.(source.Planner); ok {
			plan, missing, err := p.Plan(ctx, st)
			if err != nil {
				return nil, err
			}
			locs, l.Missing = plan, missing
		} else {
			locs = src.Locations()
		}
		if l.SourceStatus != nil {
			locs = append(locs, l.SourceStatus.Locations...)
		}
		idx, err := st.SourceIndexes(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, x := range idx {
			locs = append(locs, x.Location)
			l.Indexes = append(l.Indexes, x)
		}
		sort.Slice(l.Indexes, func(i, j int) bool { return l.Indexes[i].Location < l.Indexes[j].Location })
		slices.Sort(locs)
		l.Locations = append(l.Locations, slices.Compact(locs)...)
		out = append(out, l)
	}
	return out, nil
}

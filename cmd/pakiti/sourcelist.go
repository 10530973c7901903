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
	// Locations are the locations in force, URLs or paths, sorted: those
	// of the import in force and of the package indexes loaded. A source
	// never loaded reads what its next update plans (for Debian and
	// Ubuntu the plan for the fleet: tracker, then every Packages index).
	Locations []string `json:"locations"`
	// NextUpdate is what `pakiti sources update` with the same flags would
	// read, when it is not what is in force (the defaults, say, after an
	// import from a local mirror), sorted.
	NextUpdate []string `json:"next_update,omitempty"`
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
		var plan []string
		if p, ok := src.(source.Planner); ok {
			var err error
			if plan, l.Missing, err = p.Plan(ctx, st); err != nil {
				return nil, err
			}
		} else {
			plan = src.Locations()
		}
		var inForce []string
		if l.SourceStatus != nil {
			inForce = append(inForce, l.SourceStatus.Locations...)
		}
		idx, err := st.SourceIndexes(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, x := range idx {
			inForce = append(inForce, x.Location)
			l.Indexes = append(l.Indexes, x)
		}
		sort.Slice(l.Indexes, func(i, j int) bool { return l.Indexes[i].Location < l.Indexes[j].Location })
		plan, inForce = sortedSet(plan), sortedSet(inForce)
		switch {
		case len(inForce) == 0:
			l.Locations = append(l.Locations, plan...)
		default:
			l.Locations = append(l.Locations, inForce...)
			if !slices.Equal(plan, inForce) {
				l.NextUpdate = plan
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// sortedSet sorts locs and drops repeats.
func sortedSet(locs []string) []string {
	locs = slices.Clone(locs)
	slices.Sort(locs)
	return slices.Compact(locs)
}

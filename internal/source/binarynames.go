package source

import (
	"context"
	"slices"

	"github.com/pakiti-go/pakiti/internal/store"
)

// OriginAdvisoryBinaries is the origin (and key basis) of a binary ->
// source pair an advisory document named (Document.Binaries).
const OriginAdvisoryBinaries = "advisory-binaries"

// maxBinaryNames bounds the pairs one import keeps before storing them:
// Ubuntu's whole OSV export names a few hundred thousand distinct
// binary versions per release.
const maxBinaryNames = 1 << 20

// BinaryNames collects the binary -> source pairs the documents of one
// import name (Document.Binaries), one per OS group, binary and version,
// until the import's records are stored; then Store files them in each
// group's map (a report's mapping wins, store.LearnBinarySources).
type BinaryNames struct {
	byGroup map[string]map[[2]string]store.BinarySource
	n       int
}

// Add takes one pair; past maxBinaryNames pairs the rest are dropped.
func (b *BinaryNames) Add(group string, bin Binary) error {
	if group == "" || bin.Name == "" || bin.SourceName == "" || b.n >= maxBinaryNames {
		return nil
	}
	if b.byGroup == nil {
		b.byGroup = map[string]map[[2]string]store.BinarySource{}
	}
	g := b.byGroup[group]
	if g == nil {
		g = map[[2]string]store.BinarySource{}
		b.byGroup[group] = g
	}
	k := [2]string{bin.Name, bin.Version}
	if _, dup := g[k]; !dup {
		b.n++
	}
	g[k] = store.BinarySource{Name: bin.Name, Version: bin.Version, SourceName: bin.SourceName,
		SourceVersion: bin.SourceVersion, Origin: OriginAdvisoryBinaries}
	return nil
}

// Store files the pairs and returns the OS groups that got some, sorted.
func (b *BinaryNames) Store(ctx context.Context, st *store.Store) ([]string, error) {
	var groups []string
	for g, m := range b.byGroup {
		batch := make([]store.BinarySource, 0, min(len(m), 5000))
		for _, bs := range m {
			batch = append(batch, bs)
			if len(batch) == cap(batch) {
				if err := st.LearnBinarySources(ctx, g, batch); err != nil {
					return nil, err
				}
				batch = batch[:0]
			}
		}
		if err := st.LearnBinarySources(ctx, g, batch); err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	slices.Sort(groups)
	return groups, nil
}

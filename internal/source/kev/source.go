package kev

import (
	"context"
	"errors"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/store"
)

// URL is where CISA publishes the catalogue.
const URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"

// Source is the catalogue as a source.Source and source.Cataloguer.
type Source struct{}

// New returns the KEV source.
func New() *Source { return &Source{} }

// Name is "kev" (store.KEVSource).
func (*Source) Name() string { return store.KEVSource }

// Locations is CISA's feed.
func (*Source) Locations() []string { return []string{URL} }

// Parse refuses: the catalogue gives no advisory record. The importer
// loads it through Load.
func (*Source) Parse(context.Context, source.Document, func(model.Advisory) error) error {
	return errors.New("the KEV catalogue holds no advisory record: it is loaded through Load")
}

// Load reads the catalogue of doc and makes it the set in force.
func (*Source) Load(ctx context.Context, st *store.Store, run store.ImportRun, doc source.Document) (store.ImportResult, error) {
	cat, entries, err := Parse(doc.Body)
	if err != nil {
		return store.ImportResult{}, err
	}
	return st.ReplaceKEV(ctx, run, cat, entries)
}

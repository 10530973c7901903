package osv

import (
	"context"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// Source is a source.Source over OSV records: a distro folder (alma,
// rocky) wraps it with its own name, URLs and mapping, and the generic
// "osv" source gives it an admin's mapping file.
type Source struct {
	name      string
	locations []string
	opts      Options
}

// New returns a source called name that fetches locations by default and
// converts records with o (o.Source is set to name).
func New(name string, locations []string, o Options) *Source {
	o.Source = name
	return &Source{name: name, locations: locations, opts: o}
}

// Name is the source's name.
func (s *Source) Name() string { return s.name }

// Locations are the default locations.
func (s *Source) Locations() []string { return s.locations }

// Parse reads one document: a tar (the fetcher has already un-gzipped a
// .tar.gz), a zip, or JSON records.
func (s *Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	_, err := Parse(ctx, doc.Body, doc.Name, &s.opts, emit)
	return err
}

// Options returns the conversion options, for tests and tools.
func (s *Source) Options() Options { return s.opts }

package osv

import (
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// GenericName is the name of the generic OSV source.
const GenericName = "osv"

// Generic is the "osv" source: a directory, zip or tarball of OSV JSON
// records of any ecosystem, each ecosystem read for the OS group an admin
// maps it to (pakiti --osv-map 'Debian:11=debian:11'); the version scheme
// is the group's. It has no default location.
type Generic struct {
	*Source
}

// NewGeneric returns the generic OSV source with the admin's mapping.
func NewGeneric(m Mapping) *Generic {
	return &Generic{New(GenericName, nil, Options{Mapping: m})}
}

// Parse reads one document; without any mapping it refuses, since every
// record would be skipped.
func (g *Generic) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	if len(g.opts.Mapping) == 0 {
		return fmt.Errorf("%s: the osv source maps no ecosystem to an OS group: give --osv-map 'Ecosystem=group' or --osv-map-file", doc.Name)
	}
	_, err := Parse(ctx, doc.Body, doc.Name, &g.opts, emit)
	return err
}

package updateinfo

import (
	"context"
	"fmt"
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/source"
)

// Name is the source's name.
const Name = "updateinfo"

// Source is the "updateinfo" source: the OS group comes with each location
// (GROUP=LOCATION); it has no default location.
type Source struct{}

// New returns the updateinfo source.
func New() *Source { return &Source{} }

// Name is "updateinfo".
func (*Source) Name() string { return Name }

// Locations is empty: an admin names the files and their OS groups.
func (*Source) Locations() []string { return nil }

// Parse reads one updateinfo document for the OS group given with its
// location.
func (*Source) Parse(ctx context.Context, doc source.Document, emit func(model.Advisory) error) error {
	if doc.Group == "" {
		return fmt.Errorf("%s: the updateinfo source needs the OS group before the location, as GROUP=LOCATION (e.g. rocky:9=/mirror/.../repodata/updateinfo.xml.gz)", doc.Name)
	}
	if distro, _, _ := strings.Cut(doc.Group, ":"); distro == "debian" || distro == "ubuntu" || distro == "alpine" {
		return fmt.Errorf("%s: OS group %s does not use RPM packages", doc.Name, doc.Group)
	}
	_, err := Parse(ctx, doc.Body, Options{Source: Name, Group: func(*Update) (string, error) { return doc.Group, nil }}, emit)
	if err != nil {
		return fmt.Errorf("%s: %w", doc.Name, err)
	}
	return nil
}

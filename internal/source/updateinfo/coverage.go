package updateinfo

import (
	"github.com/pakiti-go/pakiti/internal/source"
)

// Coverage: an updateinfo document is every advisory of its repository,
// complete for the OS group the admin named with it; its part is
// "updateinfo GROUP", which the next document for that group replaces.
func (*Source) Coverage(p source.Parsed) source.Coverage {
	return source.Coverage{Part: "updateinfo " + p.Group, Complete: []string{p.Group}}
}

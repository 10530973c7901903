package rocky

import (
	"regexp"

	"github.com/pakiti-go/pakiti/internal/source/osv"
	"github.com/pakiti-go/pakiti/internal/source/updateinfo"
)

// Ecosystems maps Rocky's OSV ecosystems to the OS groups it emits.
var Ecosystems = osv.Mapping{
	"Rocky Linux:8": "rocky:8",
	"Rocky Linux:9": "rocky:9",
}

var (
	releaseRE    = regexp.MustCompile(`^\s*Rocky Linux (\d+)\b`)
	collectionRE = regexp.MustCompile(`^rocky-linux-(\d+)-`)
)

// updateGroup finds the OS group of an updateinfo update: from <release>,
// else from a collection's short name; "" when neither says.
func updateGroup(u *updateinfo.Update) string {
	if m := releaseRE.FindStringSubmatch(u.Release); m != nil {
		return groupOf(m[1])
	}
	for _, c := range u.Pkglist {
		if m := collectionRE.FindStringSubmatch(c.Short); m != nil {
			return groupOf(m[1])
		}
	}
	return ""
}

func groupOf(major string) string {
	g := "rocky:" + major
	for _, known := range Ecosystems {
		if known == g {
			return g
		}
	}
	return ""
}

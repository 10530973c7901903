package alma

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/source/osv"
)

// DatabaseURL is the AlmaLinux OSV database as a tarball of its default
// branch (advisories/almalinux8/ALSA-2024:0046.json...), fetched by default.
const DatabaseURL = "https://github.com/AlmaLinux/osv-database/archive/refs/heads/master.tar.gz"

// Name is the source's name.
const Name = "alma"

// New returns the AlmaLinux source.
func New() *osv.Source {
	return osv.New(Name, []string{DatabaseURL}, Options())
}

// SkipNoCVE is the reason a bug-fix or enhancement advisory without CVE is
// skipped.
const SkipNoCVE = "bug-fix or enhancement advisory without CVE"

// Options are the conversion rules of AlmaLinux's records.
func Options() osv.Options {
	return osv.Options{
		Source:  Name,
		Mapping: Ecosystems,
		SkipVuln: func(v *osv.Vuln) string {
			if (strings.HasPrefix(v.ID, "ALBA-") || strings.HasPrefix(v.ID, "ALEA-")) && len(osv.CVEs(v)) == 0 {
				return SkipNoCVE
			}
			return ""
		},
	}
}

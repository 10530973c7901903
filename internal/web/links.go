package web

import (
	"net/url"
	"strings"
)

// extLink is a link to another site's page on a CVE or an advisory: the
// vendors' trackers and NVD, as Pakiti 3's CVE page linked them.
type extLink struct {
	Name string
	URL  string
}

// cveLinks returns the pages of the vendors' trackers and NVD on a CVE
// id; a Debian TEMP- id has the Debian tracker's page only, other ids
// none. AlmaLinux and Rocky have no page per CVE: OSV's page lists their
// advisories of it, and advisoryLink links each advisory.
func cveLinks(id string) []extLink {
	e := url.PathEscape(id)
	switch {
	case strings.HasPrefix(id, "TEMP-"):
		return []extLink{{"Debian", "https://security-tracker.debian.org/tracker/" + e}}
	case !strings.HasPrefix(id, "CVE-"):
		return nil
	}
	return []extLink{
		{"NVD", "https://nvd.nist.gov/vuln/detail/" + e},
		{"Debian", "https://security-tracker.debian.org/tracker/" + e},
		{"Ubuntu", "https://ubuntu.com/security/" + e},
		{"Red Hat", "https://access.redhat.com/security/cve/" + e},
		{"Red Hat Bugzilla", "https://bugzilla.redhat.com/show_bug.cgi?id=" + url.QueryEscape(id)},
		{"SUSE", "https://www.suse.com/security/cve/" + e + ".html"},
		{"OSV (AlmaLinux, Rocky...)", "https://osv.dev/vulnerability/" + e},
	}
}

// advisoryLink returns the vendor's page of an advisory id, ok false for
// an id of unknown form. osGroup is an OS group the advisory has records
// for: AlmaLinux files its errata pages under the major release
// ("alma:9"), without which an ALSA id has no link.
func advisoryLink(id, osGroup string) (extLink, bool) {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "DSA", "DLA", "DTSA":
		return extLink{"Debian", "https://security-tracker.debian.org/tracker/" + url.PathEscape(id)}, true
	case "USN":
		return extLink{"Ubuntu", "https://ubuntu.com/security/notices/" + url.PathEscape(id)}, true
	case "RHSA", "RHBA", "RHEA":
		return extLink{"Red Hat", "https://access.redhat.com/errata/" + url.PathEscape(id)}, true
	case "RLSA", "RLBA", "RLEA":
		return extLink{"Rocky Linux", "https://errata.rockylinux.org/" + url.PathEscape(id)}, true
	case "ELSA", "ELBA", "ELEA":
		return extLink{"Oracle", "https://linux.oracle.com/errata/" + url.PathEscape(strings.ReplaceAll(id, ":", "-")) + ".html"}, true
	case "ALSA", "ALBA", "ALEA":
		family, major, _ := strings.Cut(osGroup, ":")
		major, _, _ = strings.Cut(major, ".")
		if family != "alma" || major == "" || strings.Trim(major, "0123456789") != "" {
			return extLink{}, false
		}
		return extLink{"AlmaLinux", "https://errata.almalinux.org/" + major + "/" + url.PathEscape(strings.ReplaceAll(id, ":", "-")) + ".html"}, true
	}
	return extLink{}, false
}

// advisoryLinks returns the vendor page of advisory id, the OS groups of
// its records giving AlmaLinux's major releases: one link per distinct
// page.
func advisoryLinks(id string, osGroups []string) []extLink {
	var out []extLink
	seen := map[string]bool{}
	for _, g := range append([]string{""}, osGroups...) {
		if l, ok := advisoryLink(id, g); ok && !seen[l.URL] {
			seen[l.URL] = true
			out = append(out, l)
		}
	}
	return out
}

// withVendorLinks sets the vendor's page of each advisory of groups, the
// findings of a host of OS group osGroup: the host page links out.
func withVendorLinks(groups []packageFindings, osGroup string) []packageFindings {
	for i := range groups {
		g := &groups[i]
		g.VendorLinks = make([]string, len(g.Advisories))
		for j, a := range g.Advisories {
			if l, ok := advisoryLink(a, osGroup); ok {
				g.VendorLinks[j] = l.URL
			}
		}
	}
	return groups
}

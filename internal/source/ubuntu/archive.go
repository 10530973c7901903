package ubuntu

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/apt"
)

// The archives the default Ubuntu source set reads its Packages indexes
// from: amd64 and i386 live in the primary archive and its security
// archive, every other architecture in the ports archive (both pockets).
const (
	DefaultMirror         = "http://archive.ubuntu.com/ubuntu"
	DefaultSecurityMirror = "http://security.ubuntu.com/ubuntu"
	DefaultPortsMirror    = "http://ports.ubuntu.com/ubuntu-ports"
)

// DefaultReleases are the releases whose indexes are read whatever the
// fleet runs: the LTS releases in standard support (22.04, 24.04, 26.04).
var DefaultReleases = []string{"jammy", "noble", "resolute"}

// DefaultArches are read when neither the fleet nor the admin names any.
var DefaultArches = []string{"amd64"}

// DefaultComponents are the archive components read: all four, so that
// a binary from any of them (restricted's firmware and drivers,
// multiverse's non-free tools) is mapped to its source.
var DefaultComponents = []string{"main", "restricted", "universe", "multiverse"}

// Archive says where the default Ubuntu source set reads: the tracker
// and, for each release, the Packages indexes of the release, its
// -security and -updates pockets (the binary -> source map of protocol-5
// reports, and the -security pocket's versions for "update available").
type Archive struct {
	// Tracker are the security data locations (default: TrackerURL).
	Tracker []string
	// Mirror is the archive: a URL, or a local directory laid out like it
	// (dists/<suite>/<component>/binary-<arch>/Packages(.xz|.gz)), which
	// then holds every pocket and architecture. Empty: Ubuntu's own
	// archives (DefaultMirror, DefaultSecurityMirror, DefaultPortsMirror).
	Mirror string
	// SecurityMirror is where the -security pocket is read; empty:
	// DefaultSecurityMirror (ports for other arches) when Mirror is the
	// default, else Mirror.
	SecurityMirror string
	// Releases are codenames always read besides those the fleet runs
	// (nil: DefaultReleases).
	Releases []string
	// Arches are dpkg architectures always read besides those the fleet
	// reports (nil: the fleet's, or DefaultArches when it has none).
	Arches []string
	// Components are the archive components (nil: DefaultComponents).
	Components []string
}

// bases returns the archive of a release's pocket and the security
// pocket for an architecture.
func (a Archive) bases(arch string) (main, security string) {
	ports := arch != "amd64" && arch != "i386"
	main = a.Mirror
	if main == "" {
		main = DefaultMirror
		if ports {
			main = DefaultPortsMirror
		}
	}
	switch {
	case a.SecurityMirror != "":
		security = a.SecurityMirror
	case a.Mirror == "" && ports:
		security = DefaultPortsMirror
	case a.Mirror == "":
		security = DefaultSecurityMirror
	default:
		security = a.Mirror
	}
	return main, security
}

// IndexLocations lists the Packages indexes of releases and arches in a
// stable order: per release, the release, -security and -updates
// pockets, per component and arch. For a URL mirror each is Packages.xz;
// for a local directory the first of Packages.xz, Packages.gz, Packages
// that exists, and an index absent from the directory is left out and
// named in missing.
func (a Archive) IndexLocations(releases, arches []string) (locs, missing []string) {
	comps := a.Components
	if len(comps) == 0 {
		comps = DefaultComponents
	}
	for _, rel := range releases {
		for _, pocket := range []string{"", "-security", "-updates"} {
			for _, comp := range comps {
				for _, arch := range arches {
					base, sec := a.bases(arch)
					if pocket == "-security" {
						base = sec
					}
					dir := path.Join("dists", rel+pocket, comp, "binary-"+arch)
					if loc, ok := apt.IndexLocation(base, dir); ok {
						locs = append(locs, loc)
					} else {
						missing = append(missing, loc)
					}
				}
			}
		}
	}
	return locs, missing
}

// Plan lists what an update reads: the tracker locations, then the
// Packages indexes of the default releases and those the fleet runs, for
// the configured arches and those the fleet reports.
func (a Archive) Plan(ctx context.Context, fleet source.Fleet) (locs, missing []string, err error) {
	releases := a.Releases
	if releases == nil {
		releases = DefaultReleases
	}
	releases = slices.Clone(releases)
	arches := slices.Clone(a.Arches)
	if fleet != nil {
		groups, machines, err := fleet.FleetFacts(ctx, "ubuntu")
		if err != nil {
			return nil, nil, fmt.Errorf("the fleet's Ubuntu releases and arches: %w", err)
		}
		for _, g := range groups {
			if c, ok := Codename(g); ok && !slices.Contains(releases, c) {
				releases = append(releases, c)
			}
		}
		for _, m := range machines {
			if d, ok := apt.DpkgArch(m); ok && !slices.Contains(arches, d) {
				arches = append(arches, d)
			}
		}
	}
	if len(arches) == 0 {
		arches = DefaultArches
	}
	slices.SortFunc(releases, func(x, y string) int { return releaseRank(x) - releaseRank(y) })
	releases = slices.Compact(releases)
	slices.Sort(arches)
	tracker := a.Tracker
	if tracker == nil {
		tracker = []string{TrackerURL}
	}
	idx, missing := a.IndexLocations(releases, arches)
	return append(slices.Clone(tracker), idx...), missing, nil
}

// releaseRank orders codenames by release (unknown names last).
func releaseRank(codename string) int {
	for i, r := range releases {
		if r.codename == codename {
			return i
		}
	}
	return len(releases)
}

// IndexSuite names the pocket of a Packages index from its location:
// "security" for <codename>-security (dists/jammy-security/...,
// jammy-security_main_binary-amd64_Packages.gz), "updates" for
// <codename>-updates, "" for the release itself.
func IndexSuite(location string) string {
	_, loc := source.SplitGroup(location)
	if i := strings.LastIndex(filepath.ToSlash(loc), "/dists/"); i >= 0 {
		loc = loc[i+len("/dists/"):]
	}
	for _, part := range strings.FieldsFunc(loc, func(r rune) bool { return r == '/' || r == '\\' || r == '_' }) {
		code, kind, ok := strings.Cut(part, "-")
		if !ok {
			continue
		}
		if _, known := OSGroup(code); known && (kind == "security" || kind == "updates") {
			return kind
		}
	}
	return ""
}

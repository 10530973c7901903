package debian

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/apt"
)

// The archives the default source set reads its Packages indexes from.
const (
	DefaultMirror         = "https://deb.debian.org/debian"
	DefaultSecurityMirror = "https://security.debian.org/debian-security"
)

// DefaultReleases are the releases whose indexes are fetched before any
// tracker JSON is imported (see Plan): the ones with security support
// (Debian 11 LTS, 12, 13).
var DefaultReleases = []string{"bullseye", "bookworm", "trixie"}

// DefaultArches are fetched when neither the fleet nor the admin names any.
var DefaultArches = []string{"amd64"}

// Archive says where the default Debian source set reads: the tracker's
// security data and, for each release, the Packages indexes of its main,
// -security and -updates suites (the binary -> source map of protocol-5
// reports and the security suite's newest versions).
type Archive struct {
	// Tracker are the security data locations (default: the tracker JSON).
	Tracker []string
	// Mirror is the archive (a URL, or a local directory laid out like it:
	// dists/<suite>/<component>/binary-<arch>/Packages(.xz|.gz)).
	Mirror string
	// SecurityMirror is the security archive; empty: DefaultSecurityMirror
	// when Mirror is the default, else Mirror itself (a local mirror
	// usually holds both).
	SecurityMirror string
	// Releases are codenames always read besides those the fleet runs
	// (nil: those the tracker JSON in force lists, see Plan).
	Releases []string
	// Arches are dpkg architectures always read besides those the fleet
	// reports (nil: the fleet's, or DefaultArches when it has none).
	Arches []string
	// Components are the archive components (nil: main).
	Components []string
}

// securityMirror resolves the security archive's location.
func (a Archive) securityMirror() string {
	switch {
	case a.SecurityMirror != "":
		return a.SecurityMirror
	case a.Mirror == "" || a.Mirror == DefaultMirror:
		return DefaultSecurityMirror
	}
	return a.Mirror
}

func (a Archive) mirror() string {
	if a.Mirror == "" {
		return DefaultMirror
	}
	return a.Mirror
}

// dpkgArches maps uname -m (the arch a report's header carries) to the
// dpkg architecture of the archive's binary-<arch> indexes.
var dpkgArches = map[string]string{
	"x86_64": "amd64", "amd64": "amd64",
	"aarch64": "arm64", "arm64": "arm64",
	"i386": "i386", "i486": "i386", "i586": "i386", "i686": "i386",
	"armv7l": "armhf", "armhf": "armhf", "armv6l": "armel", "armel": "armel",
	"ppc64le": "ppc64el", "ppc64el": "ppc64el",
	"s390x": "s390x", "mips64": "mips64el", "mips64el": "mips64el",
	"riscv64": "riscv64",
}

// DpkgArch returns the dpkg architecture of a machine architecture, or
// false for one the archive has no index of.
func DpkgArch(machine string) (string, bool) {
	a, ok := dpkgArches[strings.ToLower(strings.TrimSpace(machine))]
	return a, ok
}

// suites are a release's suites with Packages indexes, and the archive
// each lives in. Sid has neither -security nor -updates.
func (a Archive) suites(codename string) [][2]string {
	out := [][2]string{{a.mirror(), codename}}
	if codename == "sid" {
		return out
	}
	return append(out, [2]string{a.securityMirror(), codename + "-security"}, [2]string{a.mirror(), codename + "-updates"})
}

// IndexLocations lists the Packages indexes of releases and arches, in a
// stable order. For a URL mirror each is Packages.xz (the one compression
// every suite of Debian's archive serves; bookworm-security has no .gz);
// for a local directory the first of Packages.xz, Packages.gz, Packages
// that exists, and an index absent from the directory is left out and
// named in missing.
func (a Archive) IndexLocations(releases, arches []string) (locs, missing []string) {
	comps := a.Components
	if len(comps) == 0 {
		comps = []string{"main"}
	}
	for _, rel := range releases {
		for _, s := range a.suites(rel) {
			base, suite := s[0], s[1]
			for _, comp := range comps {
				for _, arch := range arches {
					rel := path.Join("dists", suite, comp, "binary-"+arch)
					if loc, ok := apt.IndexLocation(base, rel); ok {
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

// TrackerPart is the part of the Debian source the tracker JSON's records
// are filed under (Coverage).
const TrackerPart = "tracker-json"

// PartGrouper is what the imported data says of a source's part: the OS
// groups its records in force name (the store). A Fleet that is one tells
// Plan the releases the last imported tracker JSON lists.
type PartGrouper interface {
	PartGroups(ctx context.Context, source, part string) ([]string, error)
}

// Plan lists what an update reads: the tracker locations, then the
// Packages indexes of the releases to read and those the fleet runs, for
// the configured arches and those the fleet reports.
//
// The releases to read are the configured ones (Releases); else those the
// tracker JSON in force lists (its records' OS groups: the supported
// releases, the LTS and ELTS ones it still tracks, testing and sid), so a
// release the tracker adds is read, and one it no longer lists dropped,
// without a change here; else, before any tracker JSON is imported,
// DefaultReleases. The fleet's releases are added: once the tracker's
// list is known, those it lists; before, those from Debian 11 on.
func (a Archive) Plan(ctx context.Context, fleet source.Fleet) (locs, missing []string, err error) {
	listed, err := listedReleases(ctx, fleet)
	if err != nil {
		return nil, nil, err
	}
	releases := a.Releases
	switch {
	case releases != nil:
	case listed != nil:
		releases = listed
	default:
		releases = DefaultReleases
	}
	releases = slices.Clone(releases)
	arches := slices.Clone(a.Arches)
	if fleet != nil {
		groups, machines, err := fleet.FleetFacts(ctx, "debian")
		if err != nil {
			return nil, nil, fmt.Errorf("the fleet's Debian releases and arches: %w", err)
		}
		for _, g := range groups {
			c, ok := Codename(g)
			if !ok || slices.Contains(releases, c) {
				continue
			}
			if listed != nil && slices.Contains(listed, c) || listed == nil && releaseRank(c) >= releaseRank("bullseye") {
				releases = append(releases, c)
			}
		}
		for _, m := range machines {
			if d, ok := DpkgArch(m); ok && !slices.Contains(arches, d) {
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

// IndexSuite names the suite kind of a Packages index from its location:
// "security" for <codename>-security (dists/bookworm-security/...,
// bookworm-security_main_binary-amd64_Packages.gz), "updates" for
// <codename>-updates, "" for the release itself.
func IndexSuite(location string) string {
	_, loc := source.SplitGroup(location)
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

// listedReleases are the codenames the tracker JSON in force lists, oldest
// first; nil when fleet does not say (no store, or no tracker JSON
// imported yet).
func listedReleases(ctx context.Context, fleet source.Fleet) ([]string, error) {
	pg, ok := fleet.(PartGrouper)
	if !ok {
		return nil, nil
	}
	groups, err := pg.PartGroups(ctx, "debian", TrackerPart)
	if err != nil {
		return nil, fmt.Errorf("the releases the tracker JSON lists: %w", err)
	}
	var out []string
	for _, g := range groups {
		if c, ok := Codename(g); ok {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y string) int { return releaseRank(x) - releaseRank(y) })
	return out, nil
}

// Optional: the Packages index of a release older than the oldest of
// DefaultReleases (an LTS or ELTS release the tracker still lists, which
// deb.debian.org may have moved to archive.debian.org) may be absent.
func (*Source) Optional(location string) bool {
	_, loc := source.SplitGroup(location)
	parts := strings.Split(strings.ReplaceAll(loc, `\`, "/"), "/")
	for i, p := range parts {
		if p != "dists" || i+1 >= len(parts) {
			continue
		}
		code, _, _ := strings.Cut(parts[i+1], "-")
		if _, known := OSGroup(code); known && releaseRank(code) < releaseRank(DefaultReleases[0]) {
			return true
		}
	}
	return false
}

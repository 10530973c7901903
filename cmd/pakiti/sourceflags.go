package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/pakiti-go/pakiti/internal/source"
	"github.com/pakiti-go/pakiti/internal/source/alma"
	"github.com/pakiti-go/pakiti/internal/source/alpine"
	"github.com/pakiti-go/pakiti/internal/source/debian"
	"github.com/pakiti-go/pakiti/internal/source/kev"
	"github.com/pakiti-go/pakiti/internal/source/localoval"
	"github.com/pakiti-go/pakiti/internal/source/oracle"
	"github.com/pakiti-go/pakiti/internal/source/osv"
	"github.com/pakiti-go/pakiti/internal/source/redhat"
	"github.com/pakiti-go/pakiti/internal/source/rocky"
	"github.com/pakiti-go/pakiti/internal/source/suse"
	"github.com/pakiti-go/pakiti/internal/source/ubuntu"
	"github.com/pakiti-go/pakiti/internal/source/updateinfo"
)

// sourceConfig is how an admin configures the sources: where Debian's
// and Ubuntu's default source sets read, and the OSV ecosystem mapping of the generic
// osv source.
type sourceConfig struct {
	debian     debian.Archive
	ubuntu     ubuntu.Archive
	osvMap     []string // "Ecosystem=os_group"
	osvMapFile string
	redhatVEX  string
}

// addFlags registers the source configuration flags on fs (serve, import,
// sources).
func (c *sourceConfig) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.debian.Mirror, "debian-mirror", "", "Debian archive the Packages indexes come from: a URL, or a local directory laid out like the archive (dists/SUITE/COMPONENT/binary-ARCH/Packages.xz|.gz) (default "+debian.DefaultMirror+")")
	fs.StringVar(&c.debian.SecurityMirror, "debian-security-mirror", "", "Debian security archive (default "+debian.DefaultSecurityMirror+" when --debian-mirror is not given, else --debian-mirror)")
	fs.StringSliceVar(&c.debian.Arches, "debian-arches", nil, "dpkg architectures whose Packages indexes are read besides those the hosts report (default amd64 when no host reports one)")
	fs.StringSliceVar(&c.debian.Releases, "debian-releases", nil, "Debian codenames whose indexes are read besides those the hosts run (default: those the imported tracker JSON lists; "+strings.Join(debian.DefaultReleases, ",")+" before the first import)")
	fs.StringSliceVar(&c.debian.Tracker, "debian-tracker", nil, "Debian security data locations (default "+debian.TrackerURL+"; files, URLs or mirror directories of the tracker JSON, DSA/DLA lists, CVE list)")
	fs.StringVar(&c.ubuntu.Mirror, "ubuntu-mirror", "", "Ubuntu archive the Packages indexes come from: a URL, or a local directory laid out like the archive (dists/SUITE/COMPONENT/binary-ARCH/Packages.xz|.gz) holding every pocket (default "+ubuntu.DefaultMirror+", "+ubuntu.DefaultPortsMirror+" for arches other than amd64 and i386)")
	fs.StringVar(&c.ubuntu.SecurityMirror, "ubuntu-security-mirror", "", "Ubuntu archive of the -security pocket (default "+ubuntu.DefaultSecurityMirror+" when --ubuntu-mirror is not given, else --ubuntu-mirror)")
	fs.StringSliceVar(&c.ubuntu.Arches, "ubuntu-arches", nil, "dpkg architectures whose Ubuntu Packages indexes are read besides those the hosts report (default amd64 when no host reports one)")
	fs.StringSliceVar(&c.ubuntu.Releases, "ubuntu-releases", nil, "Ubuntu codenames whose indexes are read besides those the hosts run (default "+strings.Join(ubuntu.DefaultReleases, ",")+")")
	fs.StringSliceVar(&c.ubuntu.Components, "ubuntu-components", nil, "Ubuntu archive components read (default "+strings.Join(ubuntu.DefaultComponents, ",")+")")
	fs.StringSliceVar(&c.ubuntu.Tracker, "ubuntu-tracker", nil, "Ubuntu security data locations (default "+ubuntu.TrackerURL+"; files, URLs or directories of the tracker tarball, CVE files or Ubuntu OSV records)")
	fs.StringVar(&c.redhatVEX, "redhat-vex", redhat.NoVEX, "Red Hat CSAF VEX feed read beside the OVAL files: its directory URL (ending in /, e.g. "+redhat.VEXBase+") or archive_latest.txt, or a local mirror directory holding archive_latest.txt and the archive it names; '"+redhat.NoVEX+"' leaves it out (the default: the daily archive is large and is imported whole, changes.csv is not read yet)")
	fs.StringArrayVar(&c.osvMap, "osv-map", nil, "map an OSV ecosystem to an OS group for the osv source, 'Ecosystem=group' (e.g. 'Debian:11=debian:11'); repeatable")
	fs.StringVar(&c.osvMapFile, "osv-map-file", "", "file of 'Ecosystem = group' lines for the osv source (# comments)")
}

// osvMapping reads the osv source's mapping from the flags.
func (c *sourceConfig) osvMapping() (osv.Mapping, error) {
	m := osv.Mapping{}
	if c.osvMapFile != "" {
		fm, err := osv.LoadMapping(c.osvMapFile)
		if err != nil {
			return nil, fmt.Errorf("--osv-map-file: %w", err)
		}
		m = fm
	}
	// An ecosystem may hold "=" nowhere but may hold blanks and colons:
	// the group is after the last "=".
	var lines []string
	for _, s := range c.osvMap {
		i := strings.LastIndex(s, "=")
		if i < 0 {
			return nil, fmt.Errorf("--osv-map %q: want Ecosystem=group", s)
		}
		lines = append(lines, s[:i]+" = "+s[i+1:])
	}
	flags, err := osv.ParseMapping(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		return nil, fmt.Errorf("--osv-map: %w", err)
	}
	for eco, g := range flags {
		if old, dup := m[eco]; dup && old != g {
			return nil, fmt.Errorf("--osv-map: ecosystem %q mapped to %s and %s", eco, old, g)
		}
		m[eco] = g
	}
	return m, nil
}

// registry lists every vulnerability-data source, configured: adding a
// distro adds a folder under internal/source and one line here.
func (c *sourceConfig) registry() (*source.Registry, error) {
	m, err := c.osvMapping()
	if err != nil {
		return nil, err
	}
	return source.NewRegistry(
		debian.NewWith(c.debian),
		alma.New(),
		rocky.New(),
		updateinfo.New(),
		alpine.New(),
		&redhat.Source{VEX: c.redhatVEX},
		ubuntu.NewWith(c.ubuntu),
		suse.New(),
		oracle.New(),
		osv.NewGeneric(m),
		localoval.New(),
		kev.New(),
	), nil
}

// registry is the sources with their default configuration (their names,
// the default source list).
func registry() *source.Registry {
	r, err := (&sourceConfig{}).registry()
	if err != nil {
		panic(err) // no flag given: no mapping to get wrong
	}
	return r
}

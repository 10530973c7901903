package ubuntu

import "strings"

// osGroupPrefix starts every Ubuntu OS group.
const osGroupPrefix = "ubuntu:"

// release is one Ubuntu release: its codename and version number, which is
// the OS group's suffix (ubuntu:18.04).
type release struct {
	codename string
	version  string
}

// releases lists every Ubuntu release, oldest first: the tracker's files
// name releases back to warty, and later files name releases this table
// must already know. LTS and interim releases alike get their own group.
var releases = []release{
	{"warty", "4.10"},
	{"hoary", "5.04"},
	{"breezy", "5.10"},
	{"dapper", "6.06"},
	{"edgy", "6.10"},
	{"feisty", "7.04"},
	{"gutsy", "7.10"},
	{"hardy", "8.04"},
	{"intrepid", "8.10"},
	{"jaunty", "9.04"},
	{"karmic", "9.10"},
	{"lucid", "10.04"},
	{"maverick", "10.10"},
	{"natty", "11.04"},
	{"oneiric", "11.10"},
	{"precise", "12.04"},
	{"quantal", "12.10"},
	{"raring", "13.04"},
	{"saucy", "13.10"},
	{"trusty", "14.04"},
	{"utopic", "14.10"},
	{"vivid", "15.04"},
	{"wily", "15.10"},
	{"xenial", "16.04"},
	{"yakkety", "16.10"},
	{"zesty", "17.04"},
	{"artful", "17.10"},
	{"bionic", "18.04"},
	{"cosmic", "18.10"},
	{"disco", "19.04"},
	{"eoan", "19.10"},
	{"focal", "20.04"},
	{"groovy", "20.10"},
	{"hirsute", "21.04"},
	{"impish", "21.10"},
	{"jammy", "22.04"},
	{"kinetic", "22.10"},
	{"lunar", "23.04"},
	{"mantic", "23.10"},
	{"noble", "24.04"},
	{"oracular", "24.10"},
	{"plucky", "25.04"},
	{"questing", "25.10"},
	{"resolute", "26.04"},
}

// OSGroup returns the OS group of an Ubuntu codename: "bionic" gives
// "ubuntu:18.04". It returns false for a name not in the table.
func OSGroup(codename string) (string, bool) {
	for _, r := range releases {
		if r.codename == codename {
			return osGroupPrefix + r.version, true
		}
	}
	return "", false
}

// Codename is the reverse of OSGroup: "ubuntu:18.04" gives "bionic".
func Codename(osGroup string) (string, bool) {
	v, ok := strings.CutPrefix(osGroup, osGroupPrefix)
	if !ok {
		return "", false
	}
	for _, r := range releases {
		if r.version == v {
			return r.codename, true
		}
	}
	return "", false
}

// Origins: the Source of a record says which archive its fix comes from.
const (
	// OriginTracker is the release's own archive (-security, -updates),
	// which every host can install from.
	OriginTracker = "ubuntu-tracker"
	// OriginESMInfra and the other channel origins are Ubuntu Pro (ESM)
	// channels: their fixes (versions with +esm) reach only hosts that have
	// the channel enabled.
	OriginESMInfra       = "ubuntu-esm-infra"
	OriginESMApps        = "ubuntu-esm-apps"
	OriginESMInfraLegacy = "ubuntu-esm-infra-legacy"
	OriginFIPS           = "ubuntu-fips"
	OriginFIPSUpdates    = "ubuntu-fips-updates"
	OriginFIPSPreview    = "ubuntu-fips-preview"
	OriginROSESM         = "ubuntu-ros-esm"
)

// channels maps the tracker's Pro channel names ("esm-infra/xenial") to
// record origins.
var channels = map[string]string{
	"esm-infra":        OriginESMInfra,
	"esm-apps":         OriginESMApps,
	"esm-infra-legacy": OriginESMInfraLegacy,
	"fips":             OriginFIPS,
	"fips-updates":     OriginFIPSUpdates,
	"fips-preview":     OriginFIPSPreview,
	"ros-esm":          OriginROSESM,
	// OSV only: a Pro channel the record does not name, and Livepatch.
	"pro":       OriginPro,
	"livepatch": OriginLivepatch,
}

// Channel returns the Pro channel of a record origin ("esm-infra" for
// ubuntu-esm-infra), or "" for the release's own archive (ubuntu-tracker)
// and anything else.
func Channel(origin string) string {
	for ch, o := range channels {
		if o == origin {
			return ch
		}
	}
	return ""
}

// Reasons a release key of a status line gives no record.
const (
	skipUpstream       = "upstream (not a release)"
	skipDevel          = "devel (release under development, codename not stated)"
	skipProduct        = "product or snap (not an apt release)"
	skipUnknownRelease = "unknown release"
	skipUnknownChannel = "unknown channel"
)

// releaseKey reads the release part of a status line ("bionic",
// "trusty/esm", "esm-infra/xenial") and gives the OS group and origin of
// its records, or the reason it gives none.
//
//   - a codename: its OS group, origin ubuntu-tracker;
//   - CHANNEL/codename (esm-infra/xenial, esm-apps/focal, fips/bionic...):
//     the codename's group, origin ubuntu-CHANNEL;
//   - codename/esm (the 2020 form, trusty/esm, precise/esm): the group,
//     origin ubuntu-esm-infra — the ESM of those years is today's ESM Infra;
//   - codename/other (vivid/ubuntu-core, vivid/stable-phone-overlay):
//     no record, these are not apt releases a host reports;
//   - upstream, devel, product, snap: no record.
func releaseKey(key string) (group, origin, skip string) {
	switch key {
	case "upstream":
		return "", "", skipUpstream
	case "devel":
		return "", "", skipDevel
	case "product", "snap":
		return "", "", skipProduct
	}
	first, second, slash := strings.Cut(key, "/")
	if !slash {
		if g, ok := OSGroup(key); ok {
			return g, OriginTracker, ""
		}
		return "", "", skipName(skipUnknownRelease, key)
	}
	if o, ok := channels[first]; ok {
		if g, ok := OSGroup(second); ok {
			return g, o, ""
		}
		return "", "", skipName(skipUnknownRelease, key)
	}
	if g, ok := OSGroup(first); ok && second == "esm" {
		return g, OriginESMInfra, ""
	}
	return "", "", skipName(skipUnknownChannel, key)
}

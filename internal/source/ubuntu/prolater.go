package ubuntu

import (
	"strings"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/version"
)

// A release fix followed by a later fix of the same CVE in a Pro channel.
// retired/CVE-2012-2372 of the 2020 tracker snapshot has
//
//	precise_linux: released (3.2.0-29.46)
//	precise/esm_linux: released (3.2.0-60.91)
//
// The release's line is USN-1529-1's fix of 2012; the Notes say the real
// fix is upstream commit 18fc25c94ead (3.13~rc4), and the ESM line, written
// when precise entered ESM, names the first precise kernel that has it.
// The two lines are two verdicts, each for its own hosts:
//
//   - a host without Pro is judged by its release's line: below 3.2.0-29.46
//     it is exposed, fixed in 3.2.0-29.46; at or above, not;
//   - a host with esm-infra enabled is judged by its channel's line too:
//     below 3.2.0-60.91 it is exposed, fixed in 3.2.0-60.91 (a version
//     without "+esm", so the channel's own record, which applies to "+esm"
//     builds only, never judged it).
//
// The release's record stays as it is. Next to it the tracker reader
// gives a record of origin ubuntu-later-CHANNEL (ProLater): fixed in the
// channel's version, applying to a package not from a Pro channel between
// the two fixes (the release's fix in its Note, laterNote), and ranked
// above the release's record, so the verdict shared by every host with
// that package says "fixed in 3.2.0-60.91". The Pro host rule
// (prohost.go) then keeps it on a host with the channel enabled (origin
// the channel's), drops it on a host that said it has not (its release's
// line holds: fixed), and keeps it, saying why, on a host that did not say.
//
// Below the release's fix every host is exposed and the release's record
// decides: the finding names the release's fix (3.2.0-29.46), which a Pro
// host installs too before the channel's line applies (a finding's facts
// carry one fixed version, and the shared verdict must serve hosts
// without Pro).

// laterPrefix starts the origin of a Pro channel's fix later than the
// release's (ProLater).
const laterPrefix = "ubuntu-later-"

// ProLater is the origin of a Pro channel's fix that follows a release fix
// of the same CVE: ubuntu-later-esm-infra.
func ProLater(channelOrigin string) string { return laterPrefix + Channel(channelOrigin) }

// IsProLater tells the origins ProLater gives.
func IsProLater(origin string) bool { return strings.HasPrefix(origin, laterPrefix) }

// laterReleasePrefix starts a ProLater record's Note, followed by the
// release's fix and "; ".
const laterReleasePrefix = "release fixed in "

// laterNote is the Note of a ProLater record.
func laterNote(releaseFix, channelFix, ch string) string {
	return laterReleasePrefix + releaseFix + "; fixed again in " + channelFix + " in Ubuntu Pro (" + ch + ")"
}

// laterRelease returns the release's fix a ProLater record's Note names.
func laterRelease(note string) string {
	rest, ok := strings.CutPrefix(note, laterReleasePrefix)
	if !ok {
		return ""
	}
	v, _, ok := strings.Cut(rest, "; ")
	if !ok {
		return ""
	}
	return v
}

// proLater is the ProLater record of a channel's fix where the release's
// own line says fixed in releaseFix; ok is false unless the channel's fix
// is later than the release's in dpkg order (the 2020 snapshot's 3,879
// trusty/esm lines that repeat trusty's fix give none).
func proLater(channel model.Advisory, releaseFix string) (model.Advisory, bool) {
	if channel.Status != model.StatusFixed || releaseFix == "" ||
		version.Deb.Compare(channel.FixedVersion, releaseFix) <= 0 {
		return model.Advisory{}, false
	}
	l := channel
	l.Source = ProLater(channel.Source)
	l.Note = clip(laterNote(releaseFix, channel.FixedVersion, Channel(channel.Source)), maxNote)
	return l, true
}

// appliesLater: a package not from a Pro channel, at or above the
// release's fix and below the channel's.
func appliesLater(rec model.Advisory, installed string) bool {
	rel := laterRelease(rec.Note)
	return rel != "" && rec.FixedVersion != "" && !esmVersion(installed) && !strings.Contains(installed, "fips") &&
		version.Deb.Compare(installed, rel) >= 0 && version.Deb.Compare(installed, rec.FixedVersion) < 0
}

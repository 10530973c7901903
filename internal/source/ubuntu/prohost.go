package ubuntu

import (
	"slices"
	"strings"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// Ubuntu Pro per host (match.FindingRule). A host tells us its Pro
// services in its protocol-6 report: the client reads
// /var/lib/ubuntu-advantage/status.json (written by ubuntu-advantage-tools
// and its successor ubuntu-pro-client: "attached", and "services" with
// each service's "name" and "status") and sends "pro: esm-infra esm-apps"
// (the enabled services), or "pro: none" when the host is not attached or
// has no service enabled; no header (protocol 5, an older client, a host
// without the file) leaves its Pro state unknown (store.FactPro).
//
// Verdicts are shared by every host with a package (Driver): a package
// not from a Pro channel below a Pro fix gets the without-Pro view of that
// fix (origin ubuntu-without-CHANNEL, osv.go: affected, the +esm version
// named). Per host, that finding becomes:
//
//   - on a host with the channel's service enabled: open, the +esm version
//     its fix (the channel's own record: vendor status fixed, origin
//     ubuntu-CHANNEL) — it can install it;
//   - on a host that said it has not: unfixed, its basis saying "fix in
//     Ubuntu Pro (CHANNEL), not enabled on the host";
//   - on a host that did not say: unfixed as before, the basis saying the
//     Pro state is unknown.
//
// The without-Pro view comes from Ubuntu's OSV records (osv.go) and from
// the tracker's text files alike (cvefile.go, trackerTwin: a
// trusty/esm_, esm-infra/ or esm-apps/ fix where the release's own line
// says ignored, needed... or nothing), so the rule decides both the same.

// Basis notes of the Pro rule, after the key's own basis and "; ".
const (
	proEnabledNote  = "Ubuntu Pro %s enabled on the host: the fix is installable"
	proDisabledNote = "fix in Ubuntu Pro (%s), not enabled on the host"
	proUnknownNote  = "fix in Ubuntu Pro (%s); the host's Pro state is unknown (no pro: header)"
	// A Pro channel's fix later than the release's (prolater.go).
	laterEnabledNote = "Ubuntu Pro %s enabled on the host: its line names a later fix than the release's"
	laterUnknownNote = "the release's fix is installed, Ubuntu Pro (%s) names a later one; the host's Pro state is unknown (no pro: header)"
)

// proServices maps a Pro channel (Channel) to the status.json services
// that give it: ros-esm is the "ros" service; "pro" (an OSV record that
// names no channel) is any ESM service.
var proServices = map[string][]string{
	"ros-esm": {"ros", "ros-updates"},
	"pro":     {"esm-infra", "esm-apps"},
}

var _ match.FindingRule = Driver{}

// HostFacts: the host's Pro services.
func (Driver) HostFacts() []string { return []string{store.FactPro} }

// AdjustFinding turns the without-Pro view of a Pro fix for the host (see
// above); other findings are left as they are.
func (Driver) AdjustFinding(f *store.TargetFinding, facts map[string]string) bool {
	if IsProLater(f.Facts.Origin) {
		return adjustLater(f, facts)
	}
	if !IsWithoutPro(f.Facts.Origin) {
		return true
	}
	ch := strings.TrimPrefix(f.Facts.Origin, withoutPrefix)
	pro, known := facts[store.FactPro]
	switch {
	case !known:
		f.Facts.Basis = addNote(f.Facts.Basis, proUnknownNote, ch)
	case serviceEnabled(strings.Fields(pro), ch):
		f.Status = store.StatusOpen
		f.Facts.VendorStatus = model.StatusFixed
		if o, ok := channels[ch]; ok {
			f.Facts.Origin = o
		}
		f.Facts.Basis = addNote(f.Facts.Basis, proEnabledNote, ch)
	default:
		f.Status = store.StatusUnfixed
		f.Facts.Basis = addNote(f.Facts.Basis, proDisabledNote, ch)
	}
	return true
}

// adjustLater decides the finding of a Pro channel's fix later than the
// release's (prolater.go) for a host: kept on a host with the channel
// enabled (origin the channel's), dropped on a host that said it has not
// (its release's line says fixed), kept with the reason on a host that did
// not say.
func adjustLater(f *store.TargetFinding, facts map[string]string) bool {
	ch := strings.TrimPrefix(f.Facts.Origin, laterPrefix)
	pro, known := facts[store.FactPro]
	switch {
	case !known:
		f.Facts.Basis = addNote(f.Facts.Basis, laterUnknownNote, ch)
	case serviceEnabled(strings.Fields(pro), ch):
		if o, ok := channels[ch]; ok {
			f.Facts.Origin = o
		}
		f.Facts.Basis = addNote(f.Facts.Basis, laterEnabledNote, ch)
	default:
		return false
	}
	return true
}

// serviceEnabled tells whether one of the enabled services gives channel ch.
func serviceEnabled(enabled []string, ch string) bool {
	if s, ok := proServices[ch]; ok {
		return slices.ContainsFunc(s, func(x string) bool { return slices.Contains(enabled, x) })
	}
	return slices.Contains(enabled, ch)
}

func addNote(basis, note, ch string) string {
	return basis + "; " + strings.Replace(note, "%s", ch, 1)
}

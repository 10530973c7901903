package match

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/pakiti-go/pakiti/internal/store"
)

// UpdateDriver is a driver whose distro's security suite announces
// updates before any CVE record names them (Debian's and Ubuntu's
// -security): of the versions the suite offers for an installed binary,
// it tells which make an "update available" finding.
type UpdateDriver interface {
	SecurityUpdates(cands []store.UpdateCandidate) []store.UpdateFinding
}

// setUpdates works out the "update available" findings of t's package
// set (when d's distro has a security suite: UpdateDriver), from the
// suite's binaries (store.UpdateCandidates), sorted: they are part of
// the set's target, shared by its hosts.
func (m *Matcher) setUpdates(ctx context.Context, d Driver, t *setTarget) error {
	ud, ok := d.(UpdateDriver)
	if !ok {
		return nil
	}
	cands, err := m.Store.UpdateCandidates(ctx, t.group, t.setID)
	if err != nil {
		return fmt.Errorf("updates of set %d: %w", t.setID, err)
	}
	t.updates = ud.SecurityUpdates(cands)
	sort.Slice(t.updates, func(i, j int) bool {
		a, b := t.updates[i], t.updates[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.Installed < b.Installed
	})
	return nil
}

// updatesDigest names a list of "update available" findings.
func updatesDigest(ups []store.UpdateFinding) string {
	h := sha256.New()
	for _, u := range ups {
		fmt.Fprintf(h, "update\x00%s\x00%s\x00%s\x00%s\x00%s\n", u.Package, u.Arch, u.Installed, u.Available, u.Source)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

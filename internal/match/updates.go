package match

import (
	"context"
	"fmt"

	"github.com/pakiti-go/pakiti/internal/store"
)

// UpdateDriver is a driver whose distro's security suite announces
// updates before any CVE record names them (Debian's and Ubuntu's
// -security): of the versions the suite offers for an installed binary,
// it tells which make an "update available" finding.
type UpdateDriver interface {
	SecurityUpdates(cands []store.UpdateCandidate) []store.UpdateFinding
}

// refreshUpdates brings a host's "update available" findings in line with
// its package set and the security suite's binaries (store.SecurityUpdate).
// The suite's offers are worked out once per package set (t.updates) and
// shared by its hosts.
func (m *Matcher) refreshUpdates(ctx context.Context, ud UpdateDriver, t *setTarget, h store.HostState) error {
	if !t.updatesDone {
		cands, err := m.Store.UpdateCandidates(ctx, h.OSGroup, h.SetID)
		if err != nil {
			return err
		}
		t.updates, t.updatesDone = ud.SecurityUpdates(cands), true
	}
	if _, _, err := m.Store.SyncUpdates(ctx, h.ID, h.OSGroup, t.updates, m.Now().UTC()); err != nil {
		return fmt.Errorf("updates of %s: %w", h.Hostname, err)
	}
	return nil
}

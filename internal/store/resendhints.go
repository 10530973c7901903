package store

import (
	"hash/maphash"
	"sync"
)

// maxResendHints bounds the hints a store keeps (16 bytes of key and
// value each, plus the map's overhead: a few megabytes): when full, the
// hints are dropped and learned again.
const maxResendHints = 1 << 18

// resendHints remember, per host name, a hash of the raw report this
// server last stored or touched for it (SQLite only). A re-send whose
// hint matches skips TouchUnchanged's peek on a reader connection (whose
// page cache every commit invalidates: a cold read cost more than the
// whole touch) and is peeked inside the touch batch's write transaction,
// on the writer's warm cache. A hint only picks the path: the
// transaction checks the stored row itself, so a stale hint (another
// server, a host removed) costs a peek that finds nothing, never a wrong
// answer.
type resendHints struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[uint64]uint64
}

func newResendHints() *resendHints {
	return &resendHints{seed: maphash.MakeSeed(), m: map[uint64]uint64{}}
}

func (h *resendHints) key(hostname, rawHash string) (uint64, uint64) {
	return maphash.String(h.seed, hostname), maphash.String(h.seed, rawHash)
}

// matches tells whether hostname's last report here had rawHash.
func (h *resendHints) matches(hostname, rawHash string) bool {
	if h == nil || rawHash == "" {
		return false
	}
	k, v := h.key(hostname, rawHash)
	h.mu.Lock()
	got, ok := h.m[k]
	h.mu.Unlock()
	return ok && got == v
}

// set records that hostname's stored report has rawHash ("" forgets it).
func (h *resendHints) set(hostname, rawHash string) {
	if h == nil {
		return
	}
	k, v := h.key(hostname, rawHash)
	h.mu.Lock()
	defer h.mu.Unlock()
	if rawHash == "" {
		delete(h.m, k)
		return
	}
	if _, ok := h.m[k]; !ok && len(h.m) >= maxResendHints {
		clear(h.m)
	}
	h.m[k] = v
}

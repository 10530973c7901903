package store

import "sync"

// maxKnownSets bounds the known sets a store remembers (a fleet has a
// few hundred to a few thousand package sets): when full, they are
// dropped and read again.
const maxKnownSets = 1 << 13

// knownSets remember KnownSet's answers: the stored set whose package
// lines had a raw hash. What a raw hash gives never changes (the same
// bytes parse to the same set, whose hash and size are its content); the
// set's row may be collected (gc.go), which SaveReport notices in its
// transaction (ErrSetVanished: the caller parses the report in full and
// the set is stored anew, with the same hash and size). So a remembered
// set saves a read on a reader connection per report of a known set, and
// is forgotten when found vanished.
type knownSets struct {
	mu sync.Mutex
	m  map[string]KnownSet // by raw hash (Incoming.PackagesHash)
}

func (k *knownSets) get(rawHash string) (KnownSet, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	set, ok := k.m[rawHash]
	return set, ok
}

func (k *knownSets) put(rawHash string, set KnownSet) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m) >= maxKnownSets {
		k.m = map[string]KnownSet{}
	}
	k.m[rawHash] = set
}

func (k *knownSets) forget(rawHash string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, rawHash)
}

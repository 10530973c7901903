package match

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/pakiti-go/pakiti/internal/store"
)

// Reusing a set's target. A new host on a package set the fleet already
// has (most new hosts: an installation like many others), or a host
// moving to such a set, would read the set's verdicts again and compute
// the same target (setTarget) its siblings got: most of a known-set
// report's CPU. The matcher keeps the targets it built, by (OS group,
// set), with the data generation they were built under, and a report's
// evaluation takes one back when
//
//   - the data generation is the same (an import moves it: the findings'
//     data dates, which groups have data),
//   - the set's verdicts still give its digest (store.SetTargetCurrent:
//     no invalidation since, or one whose drain gave the same digest),
//
// and only for a set of a group with data (a set without is cheap: no
// verdicts are read). What differs between hosts of one set is not part
// of the set's target and is worked out per host as for a rebuilt one:
// the running kernel and the host rules' facts (forHost), exceptions and
// tags (store.WriteFindings).

// targetCacheSize and targetCacheRows bound the targets kept (by count
// and by their verdict rows: a row and its finding take ~1 KB, so ~50 MB
// at most): the sets new hosts join are a fleet's few common
// installations. Only targets built for a report are kept, so that a run
// over the whole fleet (evaluate, a drain) does not churn them.
const (
	targetCacheSize = 256
	targetCacheRows = 50000
)

// builtTargets are the targets a matcher built, by (OS group, set).
type builtTargets struct {
	mu   sync.Mutex
	m    map[builtKey]builtTarget
	rows int // of the targets in m
}

// reuses counts the targets a matcher took back (tests read it).
type reuses = atomic.Int64

type builtKey struct {
	group string
	set   int64
}

type builtTarget struct {
	t   *setTarget
	gen int64 // the data generation it was built under
}

// put keeps t, built under data generation gen (sets without data are
// not kept).
func (b *builtTargets) put(t *setTarget, gen int64) {
	if t == nil || !t.evaluated || len(t.rows) > targetCacheRows {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k := builtKey{t.group, t.setID}
	if old, ok := b.m[k]; ok {
		b.rows -= len(old.t.rows)
	}
	if b.m == nil || len(b.m) >= targetCacheSize || b.rows+len(t.rows) > targetCacheRows {
		b.m, b.rows = map[builtKey]builtTarget{}, 0
	}
	b.m[k] = builtTarget{t, gen}
	b.rows += len(t.rows)
}

// get returns the target of (group, set) built under data generation gen.
func (b *builtTargets) get(group string, set, gen int64) *setTarget {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.m[builtKey{group, set}]
	if !ok || e.gen != gen {
		return nil
	}
	return e.t
}

// reusable returns the target of h's set when one built earlier still
// holds (see above), nil otherwise.
func (m *Matcher) reusable(ctx context.Context, h store.HostState, has bool, gen int64) (*setTarget, error) {
	if !has {
		return nil, nil
	}
	t := m.built.get(h.OSGroup, h.SetID, gen)
	if t == nil {
		return nil, nil
	}
	ok, err := m.Store.SetTargetCurrent(ctx, h.OSGroup, h.SetID, t.digest)
	if err != nil || !ok {
		return nil, err
	}
	m.reused.Add(1)
	return t, nil
}

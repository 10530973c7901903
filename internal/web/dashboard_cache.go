package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/store"
)

// scopeCache keeps a fleet-wide read per scope for ttl (0: not at all):
// at 100,000 hosts the dashboard's, the sites' and the stats' scans of the
// hosts take longer than a page should. A view after ttl gets the kept
// value (the pages date it) while it is read again in the background, so
// that only the first view of a scope waits for the read.
type scopeCache[T any] struct {
	ttl        time.Duration
	mu         sync.Mutex
	m          map[string]cached[T]
	refreshing map[string]bool
}

type cached[T any] struct {
	at time.Time
	v  T
}

// scopeCacheMax bounds the scopes kept.
const scopeCacheMax = 512

// refreshTimeout bounds a background read.
const refreshTimeout = 5 * time.Minute

// loader reads a value for a scope at now.
type loader[T any] func(ctx context.Context, sc store.Scope, now time.Time) (T, error)

// get returns the request's scope's value and when it was read.
func (c *scopeCache[T]) get(r *http.Request, s *Server, load loader[T]) (T, time.Time, error) {
	sc, now := scope(r), s.now()
	if c.ttl <= 0 {
		v, err := load(r.Context(), sc, now)
		return v, now, err
	}
	key := sc.Key()
	c.mu.Lock()
	e, ok := c.m[key]
	if ok && now.Sub(e.at) >= c.ttl && !c.refreshing[key] {
		if c.refreshing == nil {
			c.refreshing = map[string]bool{}
		}
		c.refreshing[key] = true
		go c.refresh(s, sc, key, load)
	}
	c.mu.Unlock()
	if ok {
		return e.v, e.at, nil
	}
	v, err := load(r.Context(), sc, now)
	if err != nil {
		return v, now, err
	}
	c.put(key, cached[T]{at: now, v: v})
	return v, now, nil
}

// refresh reads the value of sc again, in the background.
func (c *scopeCache[T]) refresh(s *Server, sc store.Scope, key string, load loader[T]) {
	defer func() {
		c.mu.Lock()
		delete(c.refreshing, key)
		c.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	now := s.now()
	v, err := load(ctx, sc, now)
	if err != nil {
		s.log.Error("cache refresh", "error", err)
		return
	}
	c.put(key, cached[T]{at: now, v: v})
}

func (c *scopeCache[T]) put(key string, e cached[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= scopeCacheMax {
		c.m = map[string]cached[T]{} // rare: start again rather than track ages
	}
	if old, ok := c.m[key]; !ok || e.at.After(old.at) {
		c.m[key] = e
	}
}

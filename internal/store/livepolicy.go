package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Generation names the snapshot's content as the findings writer sees it:
// the enabled tags and the exceptions in force at the time it was loaded.
// Hosts whose findings were written under another generation are written
// again at their next evaluation (match: findings key).
func (p *PolicySnapshot) Generation() string {
	if p == nil {
		return ""
	}
	return p.gen
}

// generation digests the tags and the exceptions in force at t.
func (p *PolicySnapshot) generation(t time.Time) string {
	var lines []string
	for cve, tags := range p.tags {
		for _, tag := range tags {
			lines = append(lines, "t\x00"+cve+"\x00"+tag)
		}
	}
	for _, es := range p.exceptions {
		for _, e := range es {
			if e.ExpiresAt != nil && !t.Before(*e.ExpiresAt) {
				continue // expired: no longer decides anything
			}
			lines = append(lines, fmt.Sprintf("e\x00%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", e.ID, e.CVE, e.Package,
				e.Version, e.Arch, e.ScopeKind, e.Scope))
		}
	}
	if len(lines) == 0 {
		return "" // no policy: the same as NoPolicy
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return "p" + hex.EncodeToString(h.Sum(nil))[:16]
}

// LivePolicy is the FindingPolicy of the tags and exceptions tables: a
// snapshot re-read at most every MaxAge, so that a change made by another
// server or the CLI, and an exception's expiry, reach the findings writer
// within MaxAge (the evaluate job then writes the hosts again: see
// Generation).
type LivePolicy struct {
	s      *Store
	maxAge time.Duration
	now    func() time.Time
	log    func(error)

	mu   sync.Mutex
	snap *PolicySnapshot
	at   time.Time
}

// NewLivePolicy returns the live policy of s, re-read every maxAge;
// failed reads keep the last snapshot and are passed to logErr.
func NewLivePolicy(s *Store, maxAge time.Duration, now func() time.Time, logErr func(error)) *LivePolicy {
	if now == nil {
		now = time.Now
	}
	if logErr == nil {
		logErr = func(error) {}
	}
	return &LivePolicy{s: s, maxAge: maxAge, now: now, log: logErr}
}

func (p *LivePolicy) current() *PolicySnapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.snap != nil && now.Sub(p.at) < p.maxAge {
		return p.snap
	}
	snap, err := p.s.LoadPolicy(context.Background(), now)
	if err != nil {
		p.log(fmt.Errorf("load CVE tags and exceptions: %w", err))
		if p.snap == nil {
			p.snap = NewPolicySnapshot(nil, nil, now)
		}
		return p.snap
	}
	p.snap, p.at = snap, now
	return snap
}

// Tags returns the enabled tags of a CVE.
func (p *LivePolicy) Tags(cve string) []string { return p.current().Tags(cve) }

// Exception tells whether an exception covers finding f of a host.
func (p *LivePolicy) Exception(f model.Finding, hs HostSite, osGroup string, now time.Time) (bool, string) {
	return p.current().Exception(f, hs, osGroup, now)
}

// Generation names the policy in force (PolicySnapshot.Generation).
func (p *LivePolicy) Generation() string { return p.current().Generation() }

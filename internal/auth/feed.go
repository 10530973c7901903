package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// FeedGuard protects /feed/ (an intake.Guard). Each protection is off
// unless asked for, so that existing clients keep working:
//   - a report token (Authorization: Bearer, or ?token=) names a site; a
//     report must be for that site; RequireToken refuses reports without;
//   - a site with allowed networks (pakiti sites add --network) takes
//     reports from those addresses only;
//   - LockHosts: a host stored under one site is not moved to another by
//     a report (an admin moves it: pakiti sites move-host);
//   - Limiter: reports per minute per address, beyond which 429.
type FeedGuard struct {
	Store        *store.Store
	RequireToken bool
	LockHosts    bool
	Limiter      *RateLimiter // nil: no limit
	Log          *slog.Logger

	mu       sync.Mutex
	networks map[string][]netip.Prefix // site -> allowed networks, cached
	loaded   time.Time
}

// networksTTL is how long the sites' networks are cached.
const networksTTL = 30 * time.Second

// Refusal is a report refused by the guard: an intake.Refusal.
type Refusal struct {
	status int
	msg    string
	retry  time.Duration
}

func (r *Refusal) Error() string             { return r.msg }
func (r *Refusal) Status() int               { return r.status }
func (r *Refusal) RetryAfter() time.Duration { return r.retry }

func refuse(status int, msg string, retry time.Duration) error {
	return &Refusal{status: status, msg: msg, retry: retry}
}

// Admit applies the rate limit and finds the site of the request's token.
func (g *FeedGuard) Admit(r *http.Request, addr string) (string, error) {
	if g.Limiter != nil {
		if wait, ok := g.Limiter.Allow(addr, time.Now()); !ok {
			return "", refuse(http.StatusTooManyRequests, fmt.Sprintf(
				"too many reports from %s: at most %d a minute; try again in %d seconds",
				addr, g.Limiter.PerMinute, int(wait.Seconds())+1), wait+time.Second)
		}
	}
	tok, ok := bearer(r)
	if !ok {
		tok = r.URL.Query().Get("token")
	}
	if tok == "" {
		if g.RequireToken {
			return "", refuse(http.StatusUnauthorized,
				"this server needs a report token: pakiti-client --token TOKEN (the site's admin gets one with pakiti sites token SITE)", 0)
		}
		return "", nil
	}
	site, err := g.Store.FeedTokenSite(r.Context(), HashToken(tok))
	if errors.Is(err, store.ErrNotFound) {
		return "", refuse(http.StatusUnauthorized, "unknown or revoked report token", 0)
	}
	if err != nil {
		return "", err
	}
	return site, nil
}

// Check decides whether a report may be stored: its site is its token's,
// its address is in its site's networks, and it does not move its host
// from another site.
func (g *FeedGuard) Check(ctx context.Context, tokenSite string, h model.Host, addr string, stores bool) error {
	if tokenSite != "" && h.Site != tokenSite {
		return refuse(http.StatusForbidden, fmt.Sprintf("the report is for site %q but its token is site %q's", clip(h.Site), tokenSite), 0)
	}
	nets, err := g.siteNetworks(ctx, h.Site)
	if err != nil {
		return err
	}
	if len(nets) > 0 && !inAny(addr, nets) {
		return refuse(http.StatusForbidden, fmt.Sprintf("site %q takes reports from its networks only, not from %s", clip(h.Site), addr), 0)
	}
	if g.LockHosts && stores {
		site, found, err := g.Store.HostSite(ctx, store.AllSites(), h.Hostname)
		if err != nil {
			return err
		}
		if found && site != h.Site {
			return refuse(http.StatusConflict, fmt.Sprintf("host %s belongs to site %q, not %q: an admin moves it (pakiti sites move-host)",
				clip(h.Hostname), site, clip(h.Site)), 0)
		}
	}
	return nil
}

// siteNetworks returns a site's allowed networks, from a cache of every
// site's refreshed every networksTTL.
func (g *FeedGuard) siteNetworks(ctx context.Context, site string) ([]netip.Prefix, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.networks == nil || time.Since(g.loaded) > networksTTL {
		sites, err := g.Store.SiteList(ctx, store.AllSites())
		if err != nil {
			return nil, err
		}
		m := map[string][]netip.Prefix{}
		for _, s := range sites {
			for _, n := range s.Networks {
				p, err := netip.ParsePrefix(n)
				if err != nil {
					g.Log.Error("bad network of a site: its reports are refused", "site", s.Name, "network", n)
					p = netip.Prefix{} // contains nothing
				}
				m[s.Name] = append(m[s.Name], p)
			}
		}
		g.networks, g.loaded = m, time.Now()
	}
	return g.networks[site], nil
}

func inAny(addr string, nets []netip.Prefix) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, n := range nets {
		if n.IsValid() && n.Contains(ip) {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// RateLimiter is a token bucket per address: PerMinute reports a minute,
// in bursts of up to PerMinute.
type RateLimiter struct {
	PerMinute int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewRateLimiter returns a limiter of perMinute reports a minute per
// address.
func NewRateLimiter(perMinute int) *RateLimiter {
	return &RateLimiter{PerMinute: perMinute, buckets: map[string]*bucket{}}
}

// maxBuckets bounds the addresses remembered; past it, full buckets are
// forgotten.
const maxBuckets = 100000

// Allow takes a token of addr's bucket at now, or says how long until one.
func (l *RateLimiter) Allow(addr string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := float64(l.PerMinute) / 60 // tokens a second
	b, ok := l.buckets[addr]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.forget(now, rate)
		}
		b = &bucket{tokens: float64(l.PerMinute), at: now}
		l.buckets[addr] = b
	}
	b.tokens = min(float64(l.PerMinute), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second)), false
}

// forget drops the buckets that would be full by now.
func (l *RateLimiter) forget(now time.Time, rate float64) {
	for a, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*rate >= float64(l.PerMinute) {
			delete(l.buckets, a)
		}
	}
}

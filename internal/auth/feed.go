package auth

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
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
//   - a TLS client certificate of CertCAs registered for a site (pakiti
//     sites cert add) limits its reports to that site, or to the sites of
//     a proxy's certificate; RequireCert refuses reports without one;
//     with both Require fields, either credential will do;
//   - a site with allowed networks (pakiti sites add --network) takes
//     reports from those addresses only;
//   - LockHosts: a host stored under one site is not moved to another by
//     a report (an admin moves it: pakiti sites move-host);
//   - Limiter: reports per minute per address, beyond which 429.
type FeedGuard struct {
	Store        *store.Store
	RequireToken bool
	RequireCert  bool
	// CertCAs are the CAs of the feed's client certificates (pakiti serve
	// --feed-client-ca); nil: certificates are not looked at.
	CertCAs   *x509.CertPool
	LockHosts bool
	Limiter   *RateLimiter // nil: no limit
	Log       *slog.Logger

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

// Claim is an intake.Claim: what a report's credentials prove, the sites
// its sender may report for (the same type literal, so that this package
// does not import intake).
type Claim = interface{ Sites() []string }

// FeedClaim is what a report's credentials prove (a Claim): the site of
// its report token, the sites of its client certificate.
type FeedClaim struct {
	TokenSite string // "": no token
	// CertDN names the registered client certificate ("": none); it may
	// report for CertSites (several for a proxy's).
	CertDN    string
	CertSites []string
	CertProxy bool
}

// Sites are the sites the claim's sender may report for: those every
// credential it sent allows.
func (c *FeedClaim) Sites() []string {
	var out []string
	switch {
	case c.CertDN != "" && c.TokenSite != "":
		if slices.Contains(c.CertSites, c.TokenSite) {
			out = []string{c.TokenSite}
		}
	case c.CertDN != "":
		out = c.CertSites
	case c.TokenSite != "":
		out = []string{c.TokenSite}
	}
	return out
}

// Admit applies the rate limit and finds the site of the request's token
// and the sites of its client certificate.
func (g *FeedGuard) Admit(r *http.Request, addr string) (Claim, error) {
	if g.Limiter != nil {
		if wait, ok := g.Limiter.Allow(addr, time.Now()); !ok {
			return nil, refuse(http.StatusTooManyRequests, fmt.Sprintf(
				"too many reports from %s: at most %d a minute; try again in %d seconds",
				addr, g.Limiter.PerMinute, int(wait.Seconds())+1), wait+time.Second)
		}
	}
	var c FeedClaim
	tok, ok := bearer(r)
	if !ok {
		tok = r.URL.Query().Get("token")
	}
	if tok != "" {
		site, err := g.Store.FeedTokenSite(r.Context(), HashToken(tok))
		if errors.Is(err, store.ErrNotFound) {
			return nil, refuse(http.StatusUnauthorized, "unknown or revoked report token", 0)
		}
		if err != nil {
			return nil, err
		}
		c.TokenSite = site
	}
	if err := g.certClaim(r, &c); err != nil {
		return nil, err
	}
	switch {
	case g.RequireToken && c.TokenSite != "", g.RequireCert && c.CertDN != "",
		!g.RequireToken && !g.RequireCert && (c.TokenSite != "" || c.CertDN != ""):
		return &c, nil
	case !g.RequireToken && !g.RequireCert:
		return nil, nil
	case g.RequireToken && g.RequireCert:
		return nil, refuse(http.StatusUnauthorized,
			"this server needs a report token (pakiti-client --token TOKEN; the site's admin gets one with pakiti sites token SITE) or a client certificate registered for the site (pakiti-client --cert FILE --key FILE; pakiti sites cert add SITE)", 0)
	case g.RequireToken:
		return nil, refuse(http.StatusUnauthorized,
			"this server needs a report token: pakiti-client --token TOKEN (the site's admin gets one with pakiti sites token SITE)", 0)
	default: // RequireCert
		return nil, refuse(http.StatusUnauthorized,
			"this server needs a client certificate registered for the report's site: pakiti-client --cert FILE --key FILE (an admin registers it with pakiti sites cert add SITE --dn DN)", 0)
	}
}

// certClaim fills c from the request's client certificate: one that
// chains to CertCAs and is registered for sites. An unregistered one is
// refused where certificates are required, else ignored (a host
// certificate sent to every server it talks to).
func (g *FeedGuard) certClaim(r *http.Request, c *FeedClaim) error {
	if g.CertCAs == nil || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	// Only where a certificate is what lets the report in is a bad one
	// refused: else the other credential decides.
	needed := g.RequireCert && !(g.RequireToken && c.TokenSite != "")
	leaf := r.TLS.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, ic := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	// TLS verified it against every CA the server takes (the users' too):
	// here against the feed's only.
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: g.CertCAs, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		if needed {
			return refuse(http.StatusForbidden, fmt.Sprintf("the client certificate %s is not one of the feed's CAs (--feed-client-ca): %v", clip(CertificateDN(leaf)), err), 0)
		}
		return nil
	}
	dn, fp := CertificateDN(leaf), CertFingerprint(leaf)
	sites, proxy, err := g.Store.CertSites(r.Context(), dn, fp)
	if err != nil {
		return err
	}
	switch {
	case len(sites) == 0 && !needed:
		return nil
	case len(sites) == 0:
		return refuse(http.StatusForbidden, fmt.Sprintf("the client certificate %s (SHA-256 %s) is registered for no site: an admin registers it with pakiti sites cert add SITE --dn DN or --fingerprint SHA256",
			clip(dn), fp), 0)
	case len(sites) > 1 && !proxy:
		return refuse(http.StatusForbidden, fmt.Sprintf("the client certificate %s is registered for several sites (%s) but not as a proxy's: an admin fixes its registration (pakiti sites cert)",
			clip(dn), strings.Join(sites, ", ")), 0)
	}
	c.CertDN, c.CertSites, c.CertProxy = dn, sites, proxy
	return nil
}

// CertFingerprint is a certificate's SHA-256 fingerprint as feed
// certificates are registered: 64 lowercase hex digits.
func CertFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// Check decides whether a report may be stored: its site is its token's
// and one of its certificate's, its address is in its site's networks,
// and it does not move its host from another site.
func (g *FeedGuard) Check(ctx context.Context, claim Claim, h model.Host, addr string, stores bool) error {
	if c, ok := claim.(*FeedClaim); ok && c != nil {
		if c.TokenSite != "" && h.Site != c.TokenSite {
			return refuse(http.StatusForbidden, fmt.Sprintf("the report is for site %q but its token is site %q's", clip(h.Site), c.TokenSite), 0)
		}
		if c.CertDN != "" && !slices.Contains(c.CertSites, h.Site) {
			whose := fmt.Sprintf("site %q's", c.CertSites[0])
			if c.CertProxy {
				whose = "a proxy's for sites " + strings.Join(c.CertSites, ", ")
			}
			return refuse(http.StatusForbidden, fmt.Sprintf("the report is for site %q but its client certificate %s is %s",
				clip(h.Site), clip(c.CertDN), whose), 0)
		}
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

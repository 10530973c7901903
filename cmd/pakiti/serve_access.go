package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pakiti-go/pakiti/internal/auth"
	"github.com/pakiti-go/pakiti/internal/store"
)

// accessFlags are pakiti serve's flags of access control: who may read
// (--auth) and who may report (--feed-*).
type accessFlags struct {
	auth, header, feedAuth string
	proxies                []string
	insecure, lockHosts    bool
	rate                   int
	sessionTTL             time.Duration
	oidc                   auth.OIDCConfig
	clientCA, feedCA       string
	// The CA pools read from clientCA and feedCA (build).
	userCAs, feedCAs *x509.CertPool
}

func (f *accessFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.auth, "auth", "none", "who may read: none (everyone is admin: loopback only, unless --insecure-no-auth), local (users with passwords, API tokens), header (a trusted proxy's header or client certificate DN), oidc; comma-separated for several")
	fl.BoolVar(&f.insecure, "insecure-no-auth", false, "allow --auth none on an address other than loopback: everyone who reaches the port reads every host")
	fl.StringVar(&f.header, "auth-header", "", "with --auth header: the header naming the user (a user name or certificate DN), e.g. X-Remote-User or SSL_CLIENT_S_DN")
	fl.StringArrayVar(&f.proxies, "trusted-proxy", nil, "an address or CIDR of a reverse proxy whose identity header and X-Forwarded-Proto are believed; repeat")
	fl.StringVar(&f.clientCA, "tls-client-ca", "", "with --tls-cert: CA certificates (PEM) whose client certificates the server asks for and verifies; with --auth header a verified certificate's DN names the user")
	fl.DurationVar(&f.sessionTTL, "session-ttl", 12*time.Hour, "how long a login lasts")
	fl.StringVar(&f.oidc.Issuer, "oidc-issuer", "", "with --auth oidc: the OpenID provider's issuer URL (e.g. EGI Check-in's)")
	fl.StringVar(&f.oidc.ClientID, "oidc-client-id", "", "with --auth oidc: this server's client id at the provider")
	fl.StringVar(&f.oidc.ClientSecret, "oidc-client-secret", os.Getenv("PAKITI_OIDC_CLIENT_SECRET"), "with --auth oidc: the client secret (env PAKITI_OIDC_CLIENT_SECRET keeps it out of the process list)")
	fl.StringVar(&f.oidc.RedirectURL, "oidc-redirect-url", "", "with --auth oidc: https://THIS-SERVER/auth/oidc/callback as registered at the provider")
	fl.StringVar(&f.oidc.UserClaim, "oidc-user-claim", "", "the claim naming the user (default preferred_username, then email, then sub)")
	fl.StringVar(&f.oidc.GroupsClaim, "oidc-groups-claim", "groups", "the claim listing the user's groups: groups naming a site or group (NGI) are the user's grants")
	fl.StringVar(&f.oidc.AdminGroup, "oidc-admin-group", "", "members of this group (in the groups claim) are admins")
	fl.StringVar(&f.oidc.CSIRTGroup, "oidc-csirt-group", "", "members of this group (in the groups claim) are csirt")
	fl.StringVar(&f.feedAuth, "feed-auth", "none", "none: reports need no credential (one that is sent is checked); token: every report needs its site's token (pakiti sites token SITE); cert: a client certificate registered for its site (pakiti sites cert add, --feed-client-ca); token,cert: either")
	fl.StringVar(&f.feedCA, "feed-client-ca", "", "with --tls-cert: CA certificates (PEM) of the hosts' client certificates; the server asks for (does not require) one, and a report sent with a certificate registered for a site (pakiti sites cert add) must be for that site")
	fl.BoolVar(&f.lockHosts, "feed-lock-hosts", false, "refuse a report that would move a host to another site (an admin moves it: pakiti sites move-host); on with --feed-auth=token")
	fl.IntVar(&f.rate, "feed-rate-limit", 0, "reports a minute from one address, beyond which /feed/ answers 429 (0: no limit; mind NAT and proxies)")
}

// listenDefault is --listen's default: loopback without authentication.
func (f *accessFlags) listenDefault() string {
	if f.auth == string(auth.None) {
		return "127.0.0.1:8080"
	}
	return ":8080"
}

// build checks the flags against the listen address and returns the
// Auth of the web UI and API and the guard of /feed/.
func (f *accessFlags) build(ctx context.Context, st *store.Store, listen string, log *slog.Logger) (*auth.Auth, *auth.FeedGuard, error) {
	modes, err := auth.ParseModes(f.auth)
	if err != nil {
		return nil, nil, err
	}
	var proxies []netip.Prefix
	for _, p := range f.proxies {
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return nil, nil, fmt.Errorf("--trusted-proxy %q: want an address or a CIDR", p)
			}
			pr = netip.PrefixFrom(a, a.BitLen())
		}
		proxies = append(proxies, pr)
	}
	if f.userCAs, err = readCAs("--tls-client-ca", f.clientCA); err != nil {
		return nil, nil, err
	}
	if f.feedCAs, err = readCAs("--feed-client-ca", f.feedCA); err != nil {
		return nil, nil, err
	}
	userCAs := f.userCAs
	if f.feedCAs != nil && userCAs == nil {
		userCAs = x509.NewCertPool() // the feed's certificates name no user
	}
	a, err := auth.New(ctx, auth.Config{Store: st, Modes: modes, Header: f.header, TrustedProxies: proxies,
		SessionTTL: f.sessionTTL, Log: log, OIDC: oidcConfig(modes, &f.oidc), UserCAs: userCAs})
	if err != nil {
		return nil, nil, err
	}
	if a.Open() {
		if !loopback(listen) && !f.insecure {
			return nil, nil, fmt.Errorf("--auth none on %s would show every host to anyone who reaches it: listen on loopback (the default, 127.0.0.1:8080), turn authentication on (--auth local), or say --insecure-no-auth", listen)
		}
		log.Warn("NO AUTHENTICATION: everyone who reaches this server sees every host and may change everything (--auth none)", "listen", listen)
	}
	g := &auth.FeedGuard{Store: st, LockHosts: f.lockHosts, Log: log, CertCAs: f.feedCAs}
	for m := range strings.SplitSeq(f.feedAuth, ",") {
		switch strings.TrimSpace(m) {
		case "none":
		case "token":
			g.RequireToken, g.LockHosts = true, true
		case "cert":
			g.RequireCert, g.LockHosts = true, true
		default:
			return nil, nil, fmt.Errorf("--feed-auth must be none, token, cert or token,cert, not %q", f.feedAuth)
		}
	}
	if g.RequireCert && f.feedCAs == nil {
		return nil, nil, errors.New("--feed-auth=cert needs --feed-client-ca FILE (and --tls-cert, --tls-key): the CAs of the hosts' certificates")
	}
	if f.rate < 0 {
		return nil, nil, errors.New("--feed-rate-limit must be 0 or more")
	}
	if f.rate > 0 {
		g.Limiter = auth.NewRateLimiter(f.rate)
	}
	log.Info("access", "auth", f.auth, "feed_auth", f.feedAuth, "feed_client_ca", f.feedCA, "feed_lock_hosts", g.LockHosts, "feed_rate_limit", f.rate)
	return a, g, nil
}

// tlsConfig is the server's TLS configuration for client certificates
// (nil without --tls-client-ca and --feed-client-ca): it asks for one
// and verifies it against either's CAs; auth and the feed guard each
// check it against their own.
func (f *accessFlags) tlsConfig(cert string) (*tls.Config, error) {
	if f.userCAs == nil && f.feedCAs == nil {
		return nil, nil
	}
	if cert == "" {
		return nil, errors.New("--tls-client-ca and --feed-client-ca need --tls-cert and --tls-key: client certificates come over TLS")
	}
	pool := x509.NewCertPool()
	for _, file := range []string{f.clientCA, f.feedCA} {
		if file == "" {
			continue
		}
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		pool.AppendCertsFromPEM(pem)
	}
	return &tls.Config{ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12}, nil
}

// readCAs reads a PEM file of CA certificates (nil for no file).
func readCAs(flag, file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate in it", flag, file)
	}
	return pool, nil
}

// oidcConfig is the OIDC configuration where --auth has oidc.
func oidcConfig(modes []auth.Mode, c *auth.OIDCConfig) *auth.OIDCConfig {
	for _, m := range modes {
		if m == auth.OIDC {
			return c
		}
	}
	return nil
}

// loopback tells whether a listen address is on loopback only.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

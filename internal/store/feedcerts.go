package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TLS client certificates of /feed/ (migration 0018): an admin registers a
// certificate for a site by its subject DN or its SHA-256 fingerprint; a
// report that comes with it must be for that site. A certificate
// registered as a proxy may report for every site it is registered for.

// How a registered certificate is matched.
const (
	CertByDN          = "dn"
	CertByFingerprint = "fingerprint"
)

// FeedCert is a certificate registered for a site.
type FeedCert struct {
	ID        int64     `json:"id"`
	Site      string    `json:"site"`
	Match     string    `json:"match"` // CertByDN or CertByFingerprint
	Value     string    `json:"value"`
	Proxy     bool      `json:"proxy"`
	CreatedAt time.Time `json:"created_at"`
}

// NormalizeFingerprint reads a SHA-256 fingerprint as openssl prints it
// ("AB:CD:...") or as hex, and returns it as 64 lowercase hex digits.
func NormalizeFingerprint(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "sha256:")
	s = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
	if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
		return "", fmt.Errorf("fingerprint %q: want the certificate's SHA-256 as 64 hex digits (openssl x509 -noout -fingerprint -sha256)", clipField(s))
	}
	return s, nil
}

// checkFeedCert normalises c's value and refuses what is not a DN or a
// fingerprint.
func checkFeedCert(c *FeedCert) error {
	switch c.Match {
	case CertByDN:
		c.Value = strings.TrimSpace(c.Value)
		if !strings.HasPrefix(c.Value, "/") || len(c.Value) > 1024 {
			return fmt.Errorf("DN %q: want the subject as /DC=.../CN=... (openssl x509 -noout -subject -nameopt compat)", clipField(c.Value))
		}
	case CertByFingerprint:
		v, err := NormalizeFingerprint(c.Value)
		if err != nil {
			return err
		}
		c.Value = v
	default:
		return fmt.Errorf("a certificate is matched by dn or fingerprint, not %q", clipField(c.Match))
	}
	return nil
}

// AddFeedCert registers a certificate for a site (which must exist). A
// certificate that is not a proxy reports for one site only: registering
// it for a second one, or as a proxy where it is registered as none (or
// the other way round), is refused.
func (s *Store) AddFeedCert(ctx context.Context, c FeedCert) (int64, error) {
	if err := checkFeedCert(&c); err != nil {
		return 0, err
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		sid, err := siteIDIn(ctx, tx, c.Site)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("no site is named %q (pakiti sites add): %w", c.Site, ErrNotFound)
		}
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT s.name, c.proxy FROM feed_certs c JOIN sites s ON s.id = c.site_id
			WHERE c.match = $1 AND c.value = $2`, c.Match, c.Value)
		if err != nil {
			return err
		}
		var clash error
		for rows.Next() {
			var site string
			var proxy bool
			if err := rows.Scan(&site, &proxy); err != nil {
				rows.Close()
				return err
			}
			switch {
			case site == c.Site:
				clash = fmt.Errorf("this certificate is registered for %s already: %w", site, ErrExists)
			case !proxy || !c.Proxy:
				clash = fmt.Errorf("this certificate is registered for site %s: a certificate reports for one site, unless it is a proxy's (--proxy, for every site it may forward)", site)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if clash != nil {
			return clash
		}
		return tx.QueryRowContext(ctx, `INSERT INTO feed_certs (site_id, match, value, proxy, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, sid, c.Match, c.Value, c.Proxy, time.Now().UTC()).Scan(&id)
	})
	return id, err
}

// RemoveFeedCert removes a certificate's registration for a site.
func (s *Store) RemoveFeedCert(ctx context.Context, c FeedCert) error {
	if err := checkFeedCert(&c); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM feed_certs WHERE match = $1 AND value = $2
			AND site_id = (SELECT id FROM sites WHERE name = $3)`, c.Match, c.Value, c.Site)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("no such certificate is registered for %s: %w", c.Site, ErrNotFound)
		}
		return nil
	})
}

// FeedCerts lists the registered certificates of a site ("" for every
// site's), by site and value.
func (s *Store) FeedCerts(ctx context.Context, site string) ([]FeedCert, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, s.name, c.match, c.value, c.proxy, c.created_at
		FROM feed_certs c JOIN sites s ON s.id = c.site_id WHERE $1 = '' OR s.name = $1
		ORDER BY s.name, c.match, c.value`, site)
	if err != nil {
		return nil, fmt.Errorf("feed certificates: %w", err)
	}
	defer rows.Close()
	out := []FeedCert{}
	for rows.Next() {
		var c FeedCert
		if err := rows.Scan(&c.ID, &c.Site, &c.Match, &c.Value, &c.Proxy, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// CertSites returns the sites a client certificate of subject dn and
// SHA-256 fingerprint fp (lowercase hex) may report for, sorted, and
// whether it is registered as a proxy. No site: the certificate is not
// registered.
func (s *Store) CertSites(ctx context.Context, dn, fp string) (sites []string, proxy bool, err error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT s.name, c.proxy FROM feed_certs c JOIN sites s ON s.id = c.site_id
		WHERE (c.match = 'dn' AND c.value = $1) OR (c.match = 'fingerprint' AND c.value = $2) ORDER BY s.name`, dn, fp)
	if err != nil {
		return nil, false, fmt.Errorf("sites of a certificate: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var site string
		var p bool
		if err := rows.Scan(&site, &p); err != nil {
			return nil, false, err
		}
		if len(sites) == 0 || sites[len(sites)-1] != site {
			sites = append(sites, site)
		}
		proxy = proxy || p
	}
	return sites, proxy, rows.Err()
}

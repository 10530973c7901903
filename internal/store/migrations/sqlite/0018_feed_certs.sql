-- TLS client certificates on /feed/ (feedcerts.go) and disabled users
-- (users_disabled.go), issue 12.
--
-- A certificate is registered for a site by its subject DN or its SHA-256
-- fingerprint (match: 'dn' or 'fingerprint'; value as
-- auth.CertificateDN writes a DN, a fingerprint as 64 lowercase hex
-- digits). A certificate registered as a proxy may report for every site
-- it is registered for (one row each); any other for its one site.
CREATE TABLE feed_certs (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    match      TEXT NOT NULL CHECK (match IN ('dn', 'fingerprint')),
    value      TEXT NOT NULL,
    proxy      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (match, value, site_id)
);
CREATE INDEX feed_certs_value ON feed_certs (value);

-- A disabled user keeps its grants and tokens but is refused until an
-- admin enables it again.
CREATE TABLE users_disabled (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    disabled_at TIMESTAMP NOT NULL
);

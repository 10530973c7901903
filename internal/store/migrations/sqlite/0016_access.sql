-- Access control (issue 12, access.go, tokens.go, audit.go): groups of
-- sites (federation -> NGI -> site), users with a role and grants on sites
-- or groups, their API tokens and web sessions, per-site feed tokens and
-- allowed networks, and the audit log of admin actions. Tokens and
-- session ids are stored as their SHA-256 only.
CREATE TABLE site_groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    parent_id  INTEGER REFERENCES site_groups (id),
    origin     TEXT NOT NULL DEFAULT 'local',
    created_at TIMESTAMP NOT NULL
);

-- A site's group (its NGI) and the networks its reports may come from
-- (space-separated CIDRs; '' is anywhere).
ALTER TABLE sites ADD COLUMN group_id INTEGER REFERENCES site_groups (id);
ALTER TABLE sites ADD COLUMN networks TEXT NOT NULL DEFAULT '';

-- origin: 'local' (pakiti users add) or 'gocdb' (pakiti sites import-gocdb,
-- which removes the stale ones it made and no others).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    dn            TEXT NOT NULL DEFAULT '',
    origin        TEXT NOT NULL DEFAULT 'local',
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_dn ON users (dn);

-- A grant names a site or a group, never both.
CREATE TABLE grants (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id  INTEGER REFERENCES sites (id),
    group_id INTEGER REFERENCES site_groups (id) ON DELETE CASCADE,
    origin   TEXT NOT NULL DEFAULT 'local',
    CHECK ((site_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX grants_user ON grants (user_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE feed_tokens (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    hash       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TIMESTAMP NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);

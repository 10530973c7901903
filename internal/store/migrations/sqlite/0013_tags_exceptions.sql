-- CVE tags and CVE exceptions (tags.go, exceptions.go; pakiti3.md
-- "Exceptions and tags"). Both are global definitions managed by admins;
-- what they do to a host's findings is decided per finding (policy.go).

-- A tag marks a CVE as mattering (EGI-Critical): one row per (CVE, tag).
-- Only enabled tags count. author is who set it (a user, or the modifier
-- of an imported file); modified_at when.
CREATE TABLE cve_tags (
    cve         TEXT NOT NULL,
    tag         TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    info_url    TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL,
    author      TEXT NOT NULL DEFAULT '',
    modified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cve, tag)
);
CREATE INDEX cve_tags_tag ON cve_tags (tag, cve);

-- An exception says a CVE does not apply to a package (any version, or
-- exactly version; any arch, or exactly arch) within a scope: every host
-- (scope_kind 'all', scope ''), an OS group, a site or one host. It stops
-- applying at expires_at (NULL: never). pkg_type (rpm, dpkg) is kept from
-- Pakiti 3 files for their export; the OS group already implies it.
CREATE TABLE cve_exceptions (
    id          INTEGER PRIMARY KEY,
    cve         TEXT NOT NULL,
    package     TEXT NOT NULL,
    version     TEXT NOT NULL DEFAULT '',
    arch        TEXT NOT NULL DEFAULT '',
    pkg_type    TEXT NOT NULL DEFAULT '',
    scope_kind  TEXT NOT NULL,
    scope       TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP,
    UNIQUE (cve, package, version, arch, scope_kind, scope)
);
CREATE INDEX cve_exceptions_cve ON cve_exceptions (cve);

-- Package indexes (issue 10 §1 and §5, indexes.go): which locations of a
-- source are binary -> source indexes, of which OS group and suite, so
-- that an unchanged index is neither reloaded nor fetched again when the
-- source's security data changes, and every index is listed.
CREATE TABLE source_indexes (
    source    TEXT NOT NULL,
    location  TEXT NOT NULL,
    os_group  TEXT NOT NULL,
    suite     TEXT NOT NULL DEFAULT '',
    binaries  INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, location)
);

-- The binaries a release's security suite offers, by index location (the
-- index's last load replaces its rows): an installed binary of the same
-- name and arch with an older version has a security update available.
CREATE TABLE security_updates (
    location       TEXT NOT NULL,
    os_group       TEXT NOT NULL,
    name           TEXT NOT NULL,
    arch           TEXT NOT NULL,
    version        TEXT NOT NULL,
    source_name    TEXT NOT NULL,
    source_version TEXT NOT NULL,
    PRIMARY KEY (location, name, arch, version)
);
CREATE INDEX security_updates_name ON security_updates (os_group, name);

-- "Update available" findings (updates.go): one open row per host and
-- installed binary while the security suite offers a newer version;
-- resolved (resolved_at set) once the host has it.
CREATE TABLE update_findings (
    id          INTEGER PRIMARY KEY,
    host_id     INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    os_group    TEXT NOT NULL,
    package     TEXT NOT NULL,
    arch        TEXT NOT NULL,
    installed   TEXT NOT NULL,
    available   TEXT NOT NULL,
    source_name TEXT NOT NULL,
    first_seen  TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX update_findings_host ON update_findings (host_id, resolved_at);

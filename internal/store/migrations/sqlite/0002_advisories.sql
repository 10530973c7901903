-- Vulnerability data, verdicts and findings (design.md §3, §4).

ALTER TABLE hosts ADD COLUMN os_group TEXT NOT NULL DEFAULT '';
-- Open findings counted per host, kept with the findings, so listings need no join.
ALTER TABLE hosts ADD COLUMN cves INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN vulnerable_packages INTEGER NOT NULL DEFAULT 0;
CREATE INDEX hosts_os_group ON hosts (os_group);

-- One row per import run of a source (also the unchanged ones).
CREATE TABLE source_imports (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    duration_ms  INTEGER NOT NULL,
    locations    TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    records      INTEGER NOT NULL,
    changed_keys INTEGER NOT NULL,
    unchanged    BOOLEAN NOT NULL
);
CREATE INDEX source_imports_source ON source_imports (source, id);

-- What each location gave last time, for conditional requests.
CREATE TABLE source_locations (
    source      TEXT NOT NULL,
    location    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    etag        TEXT NOT NULL DEFAULT '',
    modified    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, location)
);

-- The import of each source whose records are in force. Records of other
-- imports are being loaded (invisible until switched to) or left over.
CREATE TABLE source_current (
    source    TEXT PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES source_imports (id)
);

-- The records of imports, loaded in batches; only those of current imports count.
CREATE TABLE advisories (
    id            INTEGER PRIMARY KEY,
    import_id     INTEGER NOT NULL REFERENCES source_imports (id),
    source        TEXT NOT NULL,
    origin        TEXT NOT NULL,
    os_group      TEXT NOT NULL,
    package       TEXT NOT NULL,
    cve           TEXT NOT NULL,
    fixed_version TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    severity      TEXT NOT NULL DEFAULT '',
    advisory_id   TEXT NOT NULL DEFAULT '',
    arch          TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    temporary     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX advisories_lookup ON advisories (os_group, package);
CREATE INDEX advisories_import ON advisories (source, import_id);
CREATE INDEX advisories_cve ON advisories (cve);

CREATE TABLE cves (
    id          TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT ''
);

-- Which OS groups have data from which source.
CREATE TABLE os_group_data (
    os_group TEXT NOT NULL,
    source   TEXT NOT NULL,
    records  INTEGER NOT NULL,
    PRIMARY KEY (os_group, source)
);

-- Binary -> source package, learned from protocol-6 reports ('report') or
-- from a distro's Packages index ('packages-index').
CREATE TABLE binary_sources (
    os_group       TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    source_name    TEXT NOT NULL,
    source_version TEXT NOT NULL,
    origin         TEXT NOT NULL,
    PRIMARY KEY (os_group, name, version)
);

-- A catalogue package evaluated for an OS group, with the source package
-- it was matched as and how that was found.
CREATE TABLE evaluated (
    os_group       TEXT NOT NULL,
    package_id     INTEGER NOT NULL REFERENCES packages (id),
    source_name    TEXT NOT NULL,
    source_version TEXT NOT NULL,
    basis          TEXT NOT NULL,
    PRIMARY KEY (os_group, package_id)
);
CREATE INDEX evaluated_source ON evaluated (os_group, source_name);

-- The vulnerable verdicts of evaluated packages: one row per CVE.
CREATE TABLE verdicts (
    os_group      TEXT NOT NULL,
    package_id    INTEGER NOT NULL REFERENCES packages (id),
    cve           TEXT NOT NULL,
    status        TEXT NOT NULL,
    fixed_version TEXT NOT NULL DEFAULT '',
    severity      TEXT NOT NULL DEFAULT '',
    advisory_id   TEXT NOT NULL DEFAULT '',
    origin        TEXT NOT NULL,
    kernel        TEXT NOT NULL DEFAULT '', -- '' for packages that always count; else the kernel release it is
    PRIMARY KEY (os_group, package_id, cve)
);

-- Findings of hosts, with history: a finding that goes away is resolved,
-- not deleted.
CREATE TABLE findings (
    host_id     INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    package_id  INTEGER NOT NULL REFERENCES packages (id),
    cve         TEXT NOT NULL,
    first_seen  TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    PRIMARY KEY (host_id, package_id, cve)
);
CREATE INDEX findings_cve ON findings (cve);

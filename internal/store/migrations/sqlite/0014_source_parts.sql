-- Coverage and freshness (coverage.go, parts.go). A source's records in
-- force are made of parts: the kind of document that fills them (Debian:
-- the tracker JSON, the DSA list, the DLA list, the CVE list; Red Hat:
-- one release's OVAL; '' for records loaded before parts existed). An
-- import replaces only the parts its documents fill and keeps the others.
ALTER TABLE advisories ADD COLUMN part TEXT NOT NULL DEFAULT '';
CREATE INDEX advisories_part ON advisories (import_id, part);

-- The parts of each source in force: the locations they were read from,
-- the OS groups they cover completely (space separated), their newest
-- record's date (NULL when the source gives none) and records.
CREATE TABLE source_parts (
    source    TEXT NOT NULL,
    part      TEXT NOT NULL,
    locations TEXT NOT NULL,
    complete  TEXT NOT NULL DEFAULT '',
    newest    TIMESTAMP,
    loaded_at TIMESTAMP NOT NULL,
    records   INTEGER NOT NULL,
    PRIMARY KEY (source, part)
);

-- The latest failed import of each source (fetch or parse), kept until an
-- import of it succeeds: /sources and /readyz show it.
CREATE TABLE source_errors (
    source    TEXT PRIMARY KEY,
    failed_at TIMESTAMP NOT NULL,
    error     TEXT NOT NULL
);

-- Open findings of advisories that name no CVE (some DSA/DLA regression
-- updates): counted apart from CVEs.
ALTER TABLE hosts ADD COLUMN advisory_findings INTEGER NOT NULL DEFAULT 0;

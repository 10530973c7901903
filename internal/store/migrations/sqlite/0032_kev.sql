-- CISA's Known Exploited Vulnerabilities catalogue (source "kev",
-- store/kev.go): an attribute of CVEs, not vendor records of an OS group.
-- It touches no host's findings, verdicts or data state; the listings
-- read it to mark and filter the CVEs it names. Each import replaces the
-- whole set in one transaction (the catalogue is complete by definition).
-- Dates are the catalogue's calendar days (YYYY-MM-DD) as text.
CREATE TABLE kev_entries (
    cve         TEXT NOT NULL PRIMARY KEY,
    date_added  TEXT NOT NULL,
    due_date    TEXT NOT NULL DEFAULT '',
    ransomware  TEXT NOT NULL DEFAULT '', -- knownRansomwareCampaignUse: Known, Unknown
    vendor      TEXT NOT NULL DEFAULT '',
    product     TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- The catalogue in force: its version and release time (the source's
-- data date) and the import that loaded it.
CREATE TABLE kev_catalogue (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    version   TEXT NOT NULL,
    released  TIMESTAMP,
    entries   INTEGER NOT NULL,
    import_id INTEGER NOT NULL
);

-- CISA's Known Exploited Vulnerabilities catalogue (source "kev",
-- store/kev.go): an attribute of CVEs, not vendor records of an OS group.
-- It touches no host's findings, verdicts or data state; the listings
-- read it to mark and filter the CVEs it names. Each import replaces the
-- whole set in one transaction (the catalogue is complete by definition).
-- Dates are the catalogue's calendar days (YYYY-MM-DD) as text.
CREATE TABLE kev_entries (
    cve         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    date_added  TEXT COLLATE "C" NOT NULL,
    due_date    TEXT COLLATE "C" NOT NULL DEFAULT '',
    ransomware  TEXT COLLATE "C" NOT NULL DEFAULT '', -- knownRansomwareCampaignUse: Known, Unknown
    vendor      TEXT COLLATE "C" NOT NULL DEFAULT '',
    product     TEXT COLLATE "C" NOT NULL DEFAULT '',
    name        TEXT COLLATE "C" NOT NULL DEFAULT ''
);

-- The catalogue in force: its version and release time (the source's
-- data date) and the import that loaded it.
CREATE TABLE kev_catalogue (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    version   TEXT COLLATE "C" NOT NULL,
    released  TIMESTAMPTZ,
    entries   INTEGER NOT NULL,
    import_id BIGINT NOT NULL
);

-- The dashboard's and the sites pages' own data (dashboard.go,
-- sitesinfo.go). exposure_daily is a daily snapshot of the fleet's
-- exposure per site, taken by the exposure-snapshot job once a day (and on
-- demand, `pakiti dashboard snapshot`) from the hosts' counters, so that a
-- plot over 90 days reads at most 90 x sites x series small rows instead
-- of the findings of 100,000 hosts. series: hosts, exposed, stale, reboot,
-- sev:<severity> (hosts by their worst open CVE), tag:<CVE tag>.
CREATE TABLE exposure_daily (
    day     TEXT NOT NULL, -- YYYY-MM-DD, UTC
    site_id INTEGER NOT NULL REFERENCES sites (id),
    series  TEXT NOT NULL,
    hosts   INTEGER NOT NULL,
    PRIMARY KEY (day, site_id, series)
);

-- One row per snapshot taken: when, of how many hosts, in how long.
CREATE TABLE exposure_runs (
    day         TEXT PRIMARY KEY,
    taken_at    TIMESTAMP NOT NULL,
    hosts       INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL
);

-- The latest snapshot's hosts per open CVE and site (a host counted once
-- per CVE): the dashboard's top CVEs, summed over the sites in scope.
CREATE TABLE exposure_cves (
    site_id INTEGER NOT NULL REFERENCES sites (id),
    cve     TEXT NOT NULL,
    hosts   INTEGER NOT NULL,
    PRIMARY KEY (site_id, cve)
);

-- Since when (as the snapshots saw it) each exposed host has been exposed:
-- the dashboard's "newly exposed"; a host no longer exposed loses its row.
CREATE TABLE exposure_hosts (
    hostname      TEXT PRIMARY KEY,
    exposed_since TIMESTAMP NOT NULL
);
CREATE INDEX exposure_hosts_since ON exposure_hosts (exposed_since);

-- A site's contact, web page and note (Pakiti 3's host group fields),
-- edited by admins; a report never writes them.
ALTER TABLE sites ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN note TEXT NOT NULL DEFAULT '';

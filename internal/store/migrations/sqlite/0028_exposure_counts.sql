-- The dashboard's "newly exposed" counted per (site, exposed since, live)
-- by triggers (issue 13): the snapshot's exposed hosts (exposure_hosts)
-- carry their host's site and whether it is still exposed (live: not
-- removed, an open CVE), kept by a trigger on hosts in the writer's own
-- transaction; exposure_counts counts those rows, kept by triggers on
-- exposure_hosts. The dashboard reads a few rows instead of looking up
-- every host a snapshot saw become exposed (100,000 after the first
-- snapshot of a fleet). exposure_count_deltas is PostgreSQL's insert-only
-- log of changes (its twin migration), created here empty so that both
-- engines hold the same tables.
ALTER TABLE exposure_hosts ADD COLUMN site_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE exposure_hosts ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
UPDATE exposure_hosts SET
    site_id = COALESCE((SELECT h.site_id FROM hosts h WHERE h.id = exposure_hosts.host_id), 0),
    live = COALESCE((SELECT h.removed_at IS NULL AND h.cves > 0 FROM hosts h WHERE h.id = exposure_hosts.host_id), 0);

CREATE TABLE exposure_counts (
    site_id INTEGER NOT NULL,
    since   TIMESTAMP NOT NULL,
    live    INTEGER NOT NULL,
    hosts   INTEGER NOT NULL,
    PRIMARY KEY (site_id, since, live)
);

CREATE TABLE exposure_count_deltas (
    site_id INTEGER NOT NULL,
    since   TIMESTAMP NOT NULL,
    live    INTEGER NOT NULL,
    hosts   INTEGER NOT NULL
);

INSERT INTO exposure_counts (site_id, since, live, hosts)
    SELECT site_id, exposed_since, live, COUNT(*) FROM exposure_hosts GROUP BY 1, 2, 3;

-- Only when the site or the live flag moved: an evaluation that leaves a
-- host exposed (or clean) costs the WHEN alone.
CREATE TRIGGER exposure_hosts_live AFTER UPDATE OF site_id, cves, removed_at ON hosts
WHEN OLD.site_id IS NOT NEW.site_id
    OR (OLD.removed_at IS NULL AND OLD.cves > 0) <> (NEW.removed_at IS NULL AND NEW.cves > 0)
BEGIN
    UPDATE exposure_hosts SET site_id = NEW.site_id, live = (NEW.removed_at IS NULL AND NEW.cves > 0)
        WHERE host_id = NEW.id;
END;

CREATE TRIGGER exposure_counts_insert AFTER INSERT ON exposure_hosts
BEGIN
    INSERT INTO exposure_counts (site_id, since, live, hosts) VALUES (NEW.site_id, NEW.exposed_since, NEW.live, 1)
        ON CONFLICT (site_id, since, live) DO UPDATE SET hosts = hosts + 1;
END;

-- Also when a host's deletion cascades to its row.
CREATE TRIGGER exposure_counts_delete AFTER DELETE ON exposure_hosts
BEGIN
    UPDATE exposure_counts SET hosts = hosts - 1
        WHERE site_id = OLD.site_id AND since = OLD.exposed_since AND live = OLD.live;
    DELETE FROM exposure_counts WHERE hosts = 0 AND site_id = OLD.site_id AND since = OLD.exposed_since AND live = OLD.live;
END;

CREATE TRIGGER exposure_counts_update AFTER UPDATE OF site_id, exposed_since, live ON exposure_hosts
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.exposed_since IS NOT NEW.exposed_since OR OLD.live IS NOT NEW.live
BEGIN
    UPDATE exposure_counts SET hosts = hosts - 1
        WHERE site_id = OLD.site_id AND since = OLD.exposed_since AND live = OLD.live;
    DELETE FROM exposure_counts WHERE hosts = 0 AND site_id = OLD.site_id AND since = OLD.exposed_since AND live = OLD.live;
    INSERT INTO exposure_counts (site_id, since, live, hosts) VALUES (NEW.site_id, NEW.exposed_since, NEW.live, 1)
        ON CONFLICT (site_id, since, live) DO UPDATE SET hosts = hosts + 1;
END;

-- PostgreSQL twin of sqlite/0028_exposure_counts.sql.
-- The dashboard's "newly exposed" counted per (site, exposed since, live)
-- by triggers (issue 13): the snapshot's exposed hosts (exposure_hosts)
-- carry their host's site and whether it is still exposed (live: not
-- removed, an open CVE), kept by a row trigger on hosts in the writer's
-- own transaction (one row per host: no two writers share it). As for
-- fleet_cells (0025), the counts are never updated by a writer:
-- statement-level triggers on exposure_hosts append the net change per
-- (site, since, live) to exposure_count_deltas, readers sum both tables
-- in one statement, and the fleet-cells job folds the deltas
-- (FoldFleetCells).
ALTER TABLE exposure_hosts ADD COLUMN site_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE exposure_hosts ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
UPDATE exposure_hosts e SET site_id = h.site_id,
    live = CASE WHEN h.removed_at IS NULL AND h.cves > 0 THEN 1 ELSE 0 END
    FROM hosts h WHERE h.id = e.host_id;

CREATE TABLE exposure_counts (
    site_id BIGINT NOT NULL,
    since   TIMESTAMPTZ NOT NULL,
    live    INTEGER NOT NULL,
    hosts   BIGINT NOT NULL,
    PRIMARY KEY (site_id, since, live)
);

CREATE TABLE exposure_count_deltas (
    site_id BIGINT NOT NULL,
    since   TIMESTAMPTZ NOT NULL,
    live    INTEGER NOT NULL,
    hosts   BIGINT NOT NULL
);

INSERT INTO exposure_counts (site_id, since, live, hosts)
    SELECT site_id, exposed_since, live, COUNT(*) FROM exposure_hosts GROUP BY 1, 2, 3;

CREATE FUNCTION exposure_hosts_live() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE exposure_hosts SET site_id = NEW.site_id,
        live = CASE WHEN NEW.removed_at IS NULL AND NEW.cves > 0 THEN 1 ELSE 0 END
        WHERE host_id = NEW.id;
    RETURN NULL;
END;
$$;

-- Only when the site or the live flag moved: an evaluation that leaves a
-- host exposed (or clean) costs the WHEN alone.
CREATE TRIGGER exposure_hosts_live AFTER UPDATE OF site_id, cves, removed_at ON hosts FOR EACH ROW
    WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id
        OR (OLD.removed_at IS NULL AND OLD.cves > 0) IS DISTINCT FROM (NEW.removed_at IS NULL AND NEW.cves > 0))
    EXECUTE FUNCTION exposure_hosts_live();

CREATE FUNCTION exposure_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exposure_count_deltas (site_id, since, live, hosts)
        SELECT site_id, exposed_since, live, COUNT(*) FROM new_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

-- Also when a host's deletion cascades to its row.
CREATE FUNCTION exposure_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exposure_count_deltas (site_id, since, live, hosts)
        SELECT site_id, exposed_since, live, -COUNT(*) FROM old_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

CREATE FUNCTION exposure_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO exposure_count_deltas (site_id, since, live, hosts)
        SELECT site_id, exposed_since, live, SUM(n) FROM (
            SELECT site_id, exposed_since, live, -1 AS n FROM old_rows
            UNION ALL
            SELECT site_id, exposed_since, live, 1 FROM new_rows) d
        GROUP BY 1, 2, 3 HAVING SUM(n) <> 0;
    RETURN NULL;
END;
$$;

CREATE TRIGGER exposure_counts_insert AFTER INSERT ON exposure_hosts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exposure_counts_insert();
CREATE TRIGGER exposure_counts_delete AFTER DELETE ON exposure_hosts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exposure_counts_delete();
CREATE TRIGGER exposure_counts_update AFTER UPDATE ON exposure_hosts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION exposure_counts_update();

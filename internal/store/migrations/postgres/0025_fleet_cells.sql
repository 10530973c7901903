-- PostgreSQL twin of sqlite/0025_fleet_cells.sql.
-- The hosts counted per cell of hosts alike (issue 13): the dashboard,
-- sites, OSes, stats, data states and /metrics read these few rows
-- instead of grouping 100,000 hosts at every view (store/fleetcells.go).
-- A cell is one site, target (0: none), OS group, package set, reported
-- OS string and removed flag; hosts is how many hosts are in it.
--
-- Kept by triggers on hosts, in the writer's own transaction, whoever the
-- writer is: no write path can forget it. Here writers run concurrently
-- (evaluation workers, intake), so the triggers never update a counter
-- row (every writer moving hosts between the same cells would wait on
-- it, or deadlock): statement-level triggers append the statement's net
-- change per cell to fleet_cell_deltas, insert-only (a batched move of
-- 1,000 hosts: a few rows). Readers sum fleet_cells and the deltas in one
-- statement (one snapshot: exact); the fleet-cells job folds the deltas
-- into fleet_cells (FoldFleetCells), deleting only the rows it read.
CREATE TABLE fleet_cells (
    site_id        BIGINT NOT NULL,
    target_id      BIGINT NOT NULL,
    os_group       TEXT NOT NULL,
    package_set_id BIGINT NOT NULL,
    os             TEXT NOT NULL,
    removed        INTEGER NOT NULL,
    hosts          BIGINT NOT NULL,
    PRIMARY KEY (site_id, target_id, os_group, package_set_id, os, removed)
);

CREATE TABLE fleet_cell_deltas (
    site_id        BIGINT NOT NULL,
    target_id      BIGINT NOT NULL,
    os_group       TEXT NOT NULL,
    package_set_id BIGINT NOT NULL,
    os             TEXT NOT NULL,
    removed        INTEGER NOT NULL,
    hosts          BIGINT NOT NULL
);

INSERT INTO fleet_cells (site_id, target_id, os_group, package_set_id, os, removed, hosts)
    SELECT site_id, COALESCE(target_id, 0), os_group, package_set_id, os, CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END, COUNT(*)
    FROM hosts GROUP BY 1, 2, 3, 4, 5, 6;

CREATE FUNCTION fleet_cells_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fleet_cell_deltas (site_id, target_id, os_group, package_set_id, os, removed, hosts)
        SELECT site_id, COALESCE(target_id, 0), os_group, package_set_id, os, CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END, COUNT(*)
        FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END;
$$;

CREATE FUNCTION fleet_cells_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fleet_cell_deltas (site_id, target_id, os_group, package_set_id, os, removed, hosts)
        SELECT site_id, COALESCE(target_id, 0), os_group, package_set_id, os, CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END, -COUNT(*)
        FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END;
$$;

-- A report's touch (last_report) nets to nothing: no row written.
CREATE FUNCTION fleet_cells_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fleet_cell_deltas (site_id, target_id, os_group, package_set_id, os, removed, hosts)
        SELECT site_id, target_id, os_group, package_set_id, os, removed, SUM(n) FROM (
            SELECT site_id, COALESCE(target_id, 0) AS target_id, os_group, package_set_id, os,
                CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END AS removed, -1 AS n FROM old_rows
            UNION ALL
            SELECT site_id, COALESCE(target_id, 0), os_group, package_set_id, os,
                CASE WHEN removed_at IS NULL THEN 0 ELSE 1 END, 1 FROM new_rows) d
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0;
    RETURN NULL;
END;
$$;

CREATE TRIGGER fleet_cells_insert AFTER INSERT ON hosts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fleet_cells_insert();
CREATE TRIGGER fleet_cells_delete AFTER DELETE ON hosts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fleet_cells_delete();
CREATE TRIGGER fleet_cells_update AFTER UPDATE ON hosts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fleet_cells_update();

-- The hosts counted per cell of hosts alike (issue 13): the dashboard,
-- sites, OSes, stats, data states and /metrics read these few rows
-- instead of grouping 100,000 hosts at every view (store/fleetcells.go).
-- A cell is one site, target (0: none), OS group, package set, reported
-- OS string and removed flag; hosts is how many hosts are in it.
--
-- Kept by triggers on hosts, in the writer's own transaction, whoever the
-- writer is (intake, evaluation, host moves, regrouping, removal, prune):
-- no write path can forget it. SQLite has one writer at a time (the
-- database lock), so the triggers add to the cell rows themselves; a row
-- that falls to 0 goes. fleet_cell_deltas is PostgreSQL's insert-only
-- log of changes (its twin migration), created here empty so that both
-- engines hold the same tables (pakiti db migrate-from copies them).
CREATE TABLE fleet_cells (
    site_id        INTEGER NOT NULL,
    target_id      INTEGER NOT NULL,
    os_group       TEXT NOT NULL,
    package_set_id INTEGER NOT NULL,
    os             TEXT NOT NULL,
    removed        INTEGER NOT NULL,
    hosts          INTEGER NOT NULL,
    PRIMARY KEY (site_id, target_id, os_group, package_set_id, os, removed)
);

CREATE TABLE fleet_cell_deltas (
    site_id        INTEGER NOT NULL,
    target_id      INTEGER NOT NULL,
    os_group       TEXT NOT NULL,
    package_set_id INTEGER NOT NULL,
    os             TEXT NOT NULL,
    removed        INTEGER NOT NULL,
    hosts          INTEGER NOT NULL
);

INSERT INTO fleet_cells (site_id, target_id, os_group, package_set_id, os, removed, hosts)
    SELECT site_id, COALESCE(target_id, 0), os_group, package_set_id, os, removed_at IS NOT NULL, COUNT(*)
    FROM hosts GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER fleet_cells_insert AFTER INSERT ON hosts
BEGIN
    INSERT INTO fleet_cells (site_id, target_id, os_group, package_set_id, os, removed, hosts)
        VALUES (NEW.site_id, COALESCE(NEW.target_id, 0), NEW.os_group, NEW.package_set_id, NEW.os, NEW.removed_at IS NOT NULL, 1)
        ON CONFLICT (site_id, target_id, os_group, package_set_id, os, removed) DO UPDATE SET hosts = hosts + 1;
END;

CREATE TRIGGER fleet_cells_delete AFTER DELETE ON hosts
BEGIN
    UPDATE fleet_cells SET hosts = hosts - 1 WHERE site_id = OLD.site_id AND target_id = COALESCE(OLD.target_id, 0)
        AND os_group = OLD.os_group AND package_set_id = OLD.package_set_id AND os = OLD.os AND removed = (OLD.removed_at IS NOT NULL);
    DELETE FROM fleet_cells WHERE hosts = 0 AND site_id = OLD.site_id AND target_id = COALESCE(OLD.target_id, 0)
        AND os_group = OLD.os_group AND package_set_id = OLD.package_set_id AND os = OLD.os AND removed = (OLD.removed_at IS NOT NULL);
END;

-- Only when a cell column changed: a report's touch (last_report,
-- removed_at set to NULL again) costs the WHEN alone.
CREATE TRIGGER fleet_cells_update AFTER UPDATE OF site_id, target_id, os_group, package_set_id, os, removed_at ON hosts
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.target_id IS NOT NEW.target_id OR OLD.os_group IS NOT NEW.os_group
    OR OLD.package_set_id IS NOT NEW.package_set_id OR OLD.os IS NOT NEW.os
    OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)
BEGIN
    UPDATE fleet_cells SET hosts = hosts - 1 WHERE site_id = OLD.site_id AND target_id = COALESCE(OLD.target_id, 0)
        AND os_group = OLD.os_group AND package_set_id = OLD.package_set_id AND os = OLD.os AND removed = (OLD.removed_at IS NOT NULL);
    DELETE FROM fleet_cells WHERE hosts = 0 AND site_id = OLD.site_id AND target_id = COALESCE(OLD.target_id, 0)
        AND os_group = OLD.os_group AND package_set_id = OLD.package_set_id AND os = OLD.os AND removed = (OLD.removed_at IS NOT NULL);
    INSERT INTO fleet_cells (site_id, target_id, os_group, package_set_id, os, removed, hosts)
        VALUES (NEW.site_id, COALESCE(NEW.target_id, 0), NEW.os_group, NEW.package_set_id, NEW.os, NEW.removed_at IS NOT NULL, 1)
        ON CONFLICT (site_id, target_id, os_group, package_set_id, os, removed) DO UPDATE SET hosts = hosts + 1;
END;

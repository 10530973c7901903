-- PostgreSQL twin of sqlite/0029_report_counts.sql.
-- The stats page's report history counts per site (issue 13): the
-- records (reports rows) and the reports they stand for (SUM of count),
-- kept by triggers on reports and hosts in the writer's own transaction,
-- instead of two scans of every report at each view (store/stats.go).
-- As for fleet_cells (0025), no writer updates a counter row (every
-- report would wait on its site's): the triggers append the change to
-- report_count_deltas, insert-only; readers sum both tables in one
-- statement and the fleet-cells job folds the deltas (FoldFleetCells).
CREATE TABLE report_counts (
    site_id  BIGINT PRIMARY KEY,
    records  BIGINT NOT NULL,
    received BIGINT NOT NULL
);

CREATE TABLE report_count_deltas (
    site_id  BIGINT NOT NULL,
    records  BIGINT NOT NULL,
    received BIGINT NOT NULL
);

INSERT INTO report_counts (site_id, records, received)
    SELECT h.site_id, COUNT(*), SUM(r.count) FROM reports r JOIN hosts h ON h.id = r.host_id GROUP BY h.site_id;

CREATE INDEX reports_first ON reports (first_received);

CREATE FUNCTION report_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_count_deltas (site_id, records, received)
        SELECT h.site_id, COUNT(*), SUM(n.count) FROM new_rows n JOIN hosts h ON h.id = n.host_id GROUP BY h.site_id;
    RETURN NULL;
END;
$$;

CREATE FUNCTION report_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_count_deltas (site_id, records, received)
        SELECT h.site_id, 0, SUM(n.count - o.count) FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN hosts h ON h.id = n.host_id
        GROUP BY h.site_id HAVING SUM(n.count - o.count) <> 0;
    RETURN NULL;
END;
$$;

-- Cascaded from a host's deletion the host is gone, and matches nothing
-- here: report_counts_host_delete counted its reports out before.
CREATE FUNCTION report_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_count_deltas (site_id, records, received)
        SELECT h.site_id, -COUNT(*), -SUM(o.count) FROM old_rows o JOIN hosts h ON h.id = o.host_id GROUP BY h.site_id;
    RETURN NULL;
END;
$$;

CREATE FUNCTION report_counts_host_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_count_deltas (site_id, records, received)
        SELECT OLD.site_id, -COUNT(*), -COALESCE(SUM(count), 0) FROM reports WHERE host_id = OLD.id;
    RETURN OLD;
END;
$$;

-- A host moved to another site takes its reports along.
CREATE FUNCTION report_counts_host_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_count_deltas (site_id, records, received)
        SELECT OLD.site_id, -COUNT(*), -COALESCE(SUM(count), 0) FROM reports WHERE host_id = NEW.id
        UNION ALL
        SELECT NEW.site_id, COUNT(*), COALESCE(SUM(count), 0) FROM reports WHERE host_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_counts_insert AFTER INSERT ON reports REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_counts_insert();
CREATE TRIGGER report_counts_update AFTER UPDATE ON reports REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_counts_update();
CREATE TRIGGER report_counts_delete AFTER DELETE ON reports REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_counts_delete();
CREATE TRIGGER report_counts_host_delete BEFORE DELETE ON hosts FOR EACH ROW
    EXECUTE FUNCTION report_counts_host_delete();
CREATE TRIGGER report_counts_host_site AFTER UPDATE OF site_id ON hosts FOR EACH ROW
    WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id) EXECUTE FUNCTION report_counts_host_site();

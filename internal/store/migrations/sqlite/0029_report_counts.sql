-- The stats page's report history counts per site (issue 13): the
-- records (reports rows) and the reports they stand for (SUM of count),
-- kept by triggers on reports and hosts in the writer's own transaction,
-- instead of two scans of every report at each view (store/stats.go).
-- report_count_deltas is PostgreSQL's insert-only log of changes (its
-- twin migration), created here empty so that both engines hold the same
-- tables. The index on first_received finds the oldest report at once.
CREATE TABLE report_counts (
    site_id  INTEGER PRIMARY KEY,
    records  INTEGER NOT NULL,
    received INTEGER NOT NULL
);

CREATE TABLE report_count_deltas (
    site_id  INTEGER NOT NULL,
    records  INTEGER NOT NULL,
    received INTEGER NOT NULL
);

INSERT INTO report_counts (site_id, records, received)
    SELECT h.site_id, COUNT(*), SUM(r.count) FROM reports r JOIN hosts h ON h.id = r.host_id GROUP BY h.site_id;

CREATE INDEX reports_first ON reports (first_received);

CREATE TRIGGER report_counts_insert AFTER INSERT ON reports
BEGIN
    INSERT INTO report_counts (site_id, records, received) SELECT site_id, 1, NEW.count FROM hosts WHERE id = NEW.host_id
        ON CONFLICT (site_id) DO UPDATE SET records = records + 1, received = received + excluded.received;
END;

CREATE TRIGGER report_counts_update AFTER UPDATE OF count ON reports WHEN OLD.count <> NEW.count
BEGIN
    UPDATE report_counts SET received = received + NEW.count - OLD.count
        WHERE site_id = (SELECT site_id FROM hosts WHERE id = NEW.host_id);
END;

-- Cascaded from a host's deletion the host is gone, and matches nothing
-- here: report_counts_host_delete counted its reports out before.
CREATE TRIGGER report_counts_delete AFTER DELETE ON reports
BEGIN
    UPDATE report_counts SET records = records - 1, received = received - OLD.count
        WHERE site_id = (SELECT site_id FROM hosts WHERE id = OLD.host_id);
END;

CREATE TRIGGER report_counts_host_delete BEFORE DELETE ON hosts
BEGIN
    UPDATE report_counts SET records = records - (SELECT COUNT(*) FROM reports WHERE host_id = OLD.id),
        received = received - (SELECT COALESCE(SUM(count), 0) FROM reports WHERE host_id = OLD.id)
        WHERE site_id = OLD.site_id;
END;

-- A host moved to another site takes its reports along.
CREATE TRIGGER report_counts_host_site AFTER UPDATE OF site_id ON hosts WHEN OLD.site_id <> NEW.site_id
BEGIN
    UPDATE report_counts SET records = records - (SELECT COUNT(*) FROM reports WHERE host_id = NEW.id),
        received = received - (SELECT COALESCE(SUM(count), 0) FROM reports WHERE host_id = NEW.id)
        WHERE site_id = OLD.site_id;
    INSERT INTO report_counts (site_id, records, received)
        SELECT NEW.site_id, COUNT(*), COALESCE(SUM(count), 0) FROM reports WHERE host_id = NEW.id
        ON CONFLICT (site_id) DO UPDATE SET records = records + excluded.records, received = received + excluded.received;
END;

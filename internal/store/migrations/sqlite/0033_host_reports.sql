-- How many reports each host has sent (Pakiti 3's #reports, issue 13).
-- A host's count is reports_before + the count of its last history
-- record: reports_before holds the reports of its records before the
-- last one, added when a report opens a new record (the host row is
-- written then anyway: store/reports.go), while a re-sent report only
-- extends the last record (count + 1, the touch path's one UPDATE). The
-- history GC (gc.go) deletes old records but never a host's last one and
-- never reports_before: #reports counts every report received, not the
-- history kept. Backfilled from the records the history holds now
-- (reports collected before this migration are not known).
ALTER TABLE hosts ADD COLUMN reports_before INTEGER NOT NULL DEFAULT 0;

UPDATE hosts SET reports_before = COALESCE((SELECT SUM(r.count) FROM reports r
    WHERE r.host_id = hosts.id AND r.id < (SELECT MAX(r2.id) FROM reports r2 WHERE r2.host_id = hosts.id)), 0);

-- "Update available" findings belong to the target (targets.go): they
-- depend only on the host's package set and the security suite's index,
-- so the hosts that share a target share them, and their history comes
-- from the epochs like the CVE findings' (updates.go).
CREATE TABLE target_updates (
    target_id   INTEGER NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    package     TEXT NOT NULL,
    arch        TEXT NOT NULL,
    installed   TEXT NOT NULL,
    available   TEXT NOT NULL,
    source_name TEXT NOT NULL,
    PRIMARY KEY (target_id, package, arch, installed)
);

-- Re-derived: every host is written again (the evaluation queued below);
-- a host with updates moves to a target holding them. The per-host rows
-- stay in update_findings_legacy: the first sighting of a finding open
-- at the migration and the findings resolved before it are read from
-- there (updates.go), nothing is written to it.
ALTER TABLE update_findings RENAME TO update_findings_legacy;
UPDATE hosts SET findings_key = '' WHERE EXISTS (SELECT 1 FROM update_findings_legacy u WHERE u.host_id = hosts.id);
INSERT INTO eval_queue (os_group, set_id, enqueued_at)
    SELECT DISTINCT h.os_group, h.package_set_id, CURRENT_TIMESTAMP FROM hosts h
    WHERE h.removed_at IS NULL AND h.os_group <> ''
        AND EXISTS (SELECT 1 FROM update_findings_legacy u WHERE u.host_id = h.id)
    ON CONFLICT (os_group, set_id) DO NOTHING;

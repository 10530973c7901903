-- Findings stored once per shared target (targets.go, epochs.go): a
-- target is the content of a host's findings (package, CVE or advisory,
-- facts, status after exceptions, tags), content-addressed by digest and
-- never changed, so the hosts with the same package set, running kernel
-- and policy outcome share one. Counters are the target's, copied to
-- the hosts on it.
CREATE TABLE targets (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    os_group            TEXT NOT NULL,
    digest              TEXT NOT NULL UNIQUE,
    findings            INTEGER NOT NULL DEFAULT 0,
    cves                INTEGER NOT NULL DEFAULT 0,
    vulnerable_packages INTEGER NOT NULL DEFAULT 0,
    sev_critical        INTEGER NOT NULL DEFAULT 0,
    sev_high            INTEGER NOT NULL DEFAULT 0,
    sev_medium          INTEGER NOT NULL DEFAULT 0,
    sev_low             INTEGER NOT NULL DEFAULT 0,
    unfixed             INTEGER NOT NULL DEFAULT 0,
    reboot_pending      INTEGER NOT NULL DEFAULT 0,
    excepted            INTEGER NOT NULL DEFAULT 0,
    advisory_findings   INTEGER NOT NULL DEFAULT 0,
    tagged              TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);

-- status: open, unfixed, reboot-pending or excepted; tags: the CVE's
-- enabled tags, comma-separated.
CREATE TABLE target_findings (
    target_id  INTEGER NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    package_id INTEGER NOT NULL REFERENCES packages (id),
    cve        TEXT NOT NULL,
    facts_id   INTEGER REFERENCES finding_facts (id),
    status     TEXT NOT NULL,
    tags       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (target_id, package_id, cve)
);
CREATE INDEX target_findings_cve ON target_findings (cve, target_id);
CREATE INDEX target_findings_package ON target_findings (package_id);

-- A host's findings are its target's.
ALTER TABLE hosts ADD COLUMN target_id INTEGER REFERENCES targets (id);
CREATE INDEX hosts_target ON hosts (target_id);

-- History as epochs: the host was on target_id from since to until (NULL:
-- now). cause: why it moved onto it (report, evaluation, policy);
-- end_cause: why the epoch ended without a next one (host-removed).
-- kept: the findings of the previous epoch gone at since whose package
-- the host still had (resolved as data-changed; the others as
-- package-updated): '*' all of them, else "package_id cve" lines.
CREATE TABLE host_targets (
    id        INTEGER PRIMARY KEY,
    host_id   INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES targets (id),
    since     TIMESTAMP NOT NULL,
    until     TIMESTAMP,
    cause     TEXT NOT NULL,
    end_cause TEXT NOT NULL DEFAULT '',
    kept      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX host_targets_host ON host_targets (host_id, id);
CREATE INDEX host_targets_target ON host_targets (target_id);

-- Carried over: each host's unresolved (and excepted) findings become a
-- target of its own, since its oldest finding's first sighting; the
-- evaluation queued below moves every host to its shared target (the
-- same findings: no history event). Resolved per-host rows stay in
-- findings_legacy, read by nothing.
INSERT INTO targets (os_group, digest, findings, cves, vulnerable_packages, sev_critical, sev_high, sev_medium,
        sev_low, unfixed, reboot_pending, excepted, advisory_findings, tagged, created_at)
    SELECT h.os_group, 'legacy:' || h.id, (SELECT COUNT(*) FROM findings f WHERE f.host_id = h.id
            AND (f.resolved_at IS NULL OR f.resolution = 'excepted')),
        h.cves, h.vulnerable_packages, h.sev_critical, h.sev_high, h.sev_medium, h.sev_low, h.unfixed,
        h.reboot_pending, h.excepted, h.advisory_findings, h.tagged, CURRENT_TIMESTAMP
    FROM hosts h WHERE EXISTS (SELECT 1 FROM findings f WHERE f.host_id = h.id
        AND (f.resolved_at IS NULL OR f.resolution = 'excepted'));
INSERT INTO target_findings (target_id, package_id, cve, facts_id, status, tags)
    SELECT t.id, f.package_id, f.cve, f.facts_id, f.status, f.tags
    FROM findings f JOIN targets t ON t.digest = 'legacy:' || f.host_id
    WHERE f.resolved_at IS NULL OR f.resolution = 'excepted';
INSERT INTO host_targets (host_id, target_id, since, cause)
    SELECT h.id, t.id, (SELECT MIN(f.first_seen) FROM findings f WHERE f.host_id = h.id
            AND (f.resolved_at IS NULL OR f.resolution = 'excepted')), 'migrated'
    FROM hosts h JOIN targets t ON t.digest = 'legacy:' || h.id;
UPDATE hosts SET target_id = (SELECT t.id FROM targets t WHERE t.digest = 'legacy:' || hosts.id),
    findings_key = '';
INSERT INTO eval_queue (os_group, set_id, enqueued_at)
    SELECT DISTINCT os_group, package_set_id, CURRENT_TIMESTAMP FROM hosts
    WHERE removed_at IS NULL AND os_group <> ''
    ON CONFLICT (os_group, set_id) DO NOTHING;
ALTER TABLE findings RENAME TO findings_legacy;

-- Findings that carry their facts (findings_writer.go): what decided a
-- finding when it opened or last changed, kept whatever happens to the
-- verdict cache afterwards. A facts row is immutable and shared by every
-- finding it decided (hosts sharing a package set share them): digest
-- names all of it, decision all but the data date (a finding changes
-- only when its decision does).
CREATE TABLE finding_facts (
    id             INTEGER PRIMARY KEY,
    digest         TEXT NOT NULL UNIQUE,
    decision       TEXT NOT NULL,
    fixed_version  TEXT NOT NULL DEFAULT '',
    vendor_status  TEXT NOT NULL DEFAULT '',
    severity       TEXT NOT NULL DEFAULT '',
    advisory_id    TEXT NOT NULL DEFAULT '',
    origin         TEXT NOT NULL DEFAULT '',
    data_group     TEXT NOT NULL DEFAULT '',
    source_name    TEXT NOT NULL DEFAULT '',
    source_version TEXT NOT NULL DEFAULT '',
    basis          TEXT NOT NULL DEFAULT '',
    kernel         TEXT NOT NULL DEFAULT '',
    data_date      TIMESTAMP
);

-- status: open, unfixed, reboot-pending, update-available, excepted (the
-- API says resolved for a resolved finding that was not excepted);
-- resolution: why it resolved (package-updated, data-changed, excepted,
-- host-removed), '' while open; tags: the CVE's tags, comma-separated.
ALTER TABLE findings ADD COLUMN facts_id INTEGER REFERENCES finding_facts (id);
ALTER TABLE findings ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE findings ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN changed_at TIMESTAMP;

-- The host's counters, kept by the findings writer: distinct open CVEs by
-- severity, unfixed, reboot-pending and excepted findings, open CVEs per
-- tag (JSON object); findings_key names what the findings were last
-- computed from (set verdicts, kernel, policy), so an unchanged host costs
-- nothing. removed_at: deleted by an admin (kept for history; a new
-- report brings it back).
ALTER TABLE hosts ADD COLUMN findings_key TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN sev_critical INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN sev_high INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN sev_medium INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN sev_low INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN unfixed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN reboot_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN excepted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN tagged TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN removed_at TIMESTAMP;
CREATE INDEX hosts_last_report ON hosts (last_report);

-- Set-level evaluation work (evalqueue.go): a (OS group, package set)
-- whose verdicts an import changed, waiting for a worker under the
-- evaluation job's lease to evaluate it and refresh its hosts' findings.
-- A claimed row whose worker died is claimed again after
-- claim_expires_ms (Unix milliseconds).
CREATE TABLE eval_queue (
    os_group         TEXT NOT NULL,
    set_id           INTEGER NOT NULL,
    enqueued_at      TIMESTAMP NOT NULL,
    claimed_by       TEXT NOT NULL DEFAULT '',
    claim_expires_ms INTEGER NOT NULL DEFAULT 0,
    generation       INTEGER NOT NULL DEFAULT 0, -- bumped when enqueued again, so a worker finishing an older claim keeps the row
    attempts         INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (os_group, set_id)
);

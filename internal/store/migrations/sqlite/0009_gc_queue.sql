-- Garbage collection (gc.go): the findings of a catalogue package, so that
-- a package is deleted only when no finding (open or resolved) names it.
CREATE INDEX findings_package ON findings (package_id);

-- The durable intake queue (queue.go, pakiti serve --intake async): a
-- validated report waiting to be stored, as received (after decryption),
-- with what the pipeline needs to run again: the query string, the
-- Content-Type and User-Agent, the reporter's address and the receive
-- time. Only the oldest row of a host may be claimed, so that a host's
-- reports are stored in the order received. A claimed row whose worker
-- died is claimed again once claim_expires_ms (Unix milliseconds) passed.
CREATE TABLE report_queue (
    id               INTEGER PRIMARY KEY,
    hostname         TEXT NOT NULL,
    received_at      TIMESTAMP NOT NULL,
    addr             TEXT NOT NULL,
    params           TEXT NOT NULL,
    content_type     TEXT NOT NULL DEFAULT '',
    user_agent       TEXT NOT NULL DEFAULT '',
    body             BLOB NOT NULL,
    claimed_by       TEXT NOT NULL DEFAULT '',
    claim_expires_ms INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_queue_host ON report_queue (hostname, id);

-- The catalogue's generation (one row, id 1, absent until the first
-- collection): every collection batch that deletes catalogue packages
-- bumps it, and a server's cache of catalogue ids is valid for one
-- generation only (catalogue.go), whichever server collected.
CREATE TABLE catalogue_gc (
    id         INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL
);

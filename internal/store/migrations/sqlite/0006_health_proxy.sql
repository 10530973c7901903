-- The write probe of /healthz: one row, rewritten at most once a second
-- per server, so that health means "a report could be committed now".
CREATE TABLE health (
    id        INTEGER PRIMARY KEY,
    probed_at TIMESTAMP NOT NULL
);

-- A report forwarded by a proxy: reporter_addr is the host's own address
-- as the proxy gave it ('' when it gave none), proxy_addr the address the
-- report came from. '' for reports sent by the host itself.
ALTER TABLE reports ADD COLUMN proxy_addr TEXT NOT NULL DEFAULT '';

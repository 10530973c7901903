-- The archive of raw reports (archive.go, pakiti serve --archive-reports):
-- each stored report as received (after decryption), gzip-compressed, with
-- what came with it, for forensics. A report byte for byte equal to the
-- host's last archived one is not archived again (the report history
-- records when it came). Kept for the retention the collector is given.
CREATE TABLE report_archive (
    id           INTEGER PRIMARY KEY,
    hostname     TEXT NOT NULL,
    site         TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    addr         TEXT NOT NULL,
    proxy_addr   TEXT NOT NULL DEFAULT '',
    params       TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    body_hash    TEXT NOT NULL,
    body_gz      BLOB NOT NULL
);
CREATE INDEX report_archive_host ON report_archive (hostname, id);
CREATE INDEX report_archive_received ON report_archive (received_at);

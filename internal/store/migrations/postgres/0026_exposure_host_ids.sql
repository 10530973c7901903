-- PostgreSQL twin of sqlite/0026_exposure_host_ids.sql.
-- The dashboard's "newly exposed" joins the snapshot's exposed hosts to
-- the hosts by id (the hosts' primary key), not by name: exposure_hosts
-- is keyed by host id, the index on exposed_since covers the join's id.
CREATE TABLE exposure_hosts_by_id (
    host_id       BIGINT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    exposed_since TIMESTAMPTZ NOT NULL
);
INSERT INTO exposure_hosts_by_id (host_id, exposed_since)
    SELECT h.id, e.exposed_since FROM exposure_hosts e JOIN hosts h ON h.hostname = e.hostname;
DROP TABLE exposure_hosts;
ALTER TABLE exposure_hosts_by_id RENAME TO exposure_hosts;
CREATE INDEX exposure_hosts_since ON exposure_hosts (exposed_since, host_id);

-- PostgreSQL twin of sqlite/0021_host_pro.sql.
-- Ubuntu Pro services of a host (issue 10 §3: "hosts with Pro enabled
-- evaluated against their channels"), as its protocol-6 pro: header
-- says: the enabled services separated by spaces ("esm-infra esm-apps"),
-- 'none' for a host without Pro (not attached, or no service enabled).
-- No row: the host did not say (protocol 5, an older client, not Ubuntu).
-- Read with the host states by the matcher (store.HostState.Facts).
CREATE TABLE host_pro (
    host_id  BIGINT NOT NULL PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    services TEXT COLLATE "C" NOT NULL
);

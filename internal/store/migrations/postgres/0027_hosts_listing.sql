-- PostgreSQL twin of sqlite/0025_hosts_listing.sql.
-- The hosts listing at 100,000 hosts (issues 11 and 13): a page's host
-- ids are read from an index alone (store/hosts.go reads their columns
-- after), in each order the listing walks. Only hosts not removed are
-- indexed; removed_at is a column too so that SQLite sees the index
-- cover the query's "removed_at IS NULL" (a partial index's condition
-- alone does not). None holds last_report: a report's touch moves none.
--
-- hosts_listing: by host name (the default order, deep pages by OFFSET;
-- cves: the exposed hosts walked from the index alone).
CREATE INDEX hosts_listing ON hosts (hostname, site_id, target_id, removed_at, cves) WHERE removed_at IS NULL;
-- hosts_listing_target: the hosts of a CVE's targets, counted and
-- sorted by name from the index alone.
CREATE INDEX hosts_listing_target ON hosts (target_id, hostname, site_id, removed_at) WHERE removed_at IS NULL;
-- hosts_listing_site: by site name then host name (the sites walked in
-- name order, each site's hosts in name order), and the counts of all
-- and of the exposed.
CREATE INDEX hosts_listing_site ON hosts (site_id, hostname, target_id, removed_at, cves) WHERE removed_at IS NULL;
-- hosts_listing_os: the OS order, each OS group's hosts by OS string and
-- name (store/hosts.go osPageSQL).
CREATE INDEX hosts_listing_os ON hosts (os_group, os, hostname, site_id, target_id, removed_at) WHERE removed_at IS NULL;

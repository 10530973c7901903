-- The listings' and the dashboard's reads at 100,000 hosts (issue 13).
--
-- hosts_fleet covers the one read of the hosts the dashboard, sites, data
-- states and OS counts make (store/fleetcells.go): the hosts grouped by
-- site, target, OS group and package set, read from the index alone. It
-- leaves last_report out so that a report's touch does not move its entry;
-- os and cves make it cover the OSes page and the stats too (without them
-- SQLite walked this index and read each host's row: slower than a scan).
CREATE INDEX hosts_fleet ON hosts (site_id, target_id, os_group, package_set_id, removed_at, os, cves);

-- The hosts listing sorted by CVEs, the worst first (its default way), a
-- page at a time: the sort's exact order (ties by host name, ascending).
CREATE INDEX hosts_cves_order ON hosts (cves DESC, vulnerable_packages DESC, hostname);

-- tagged_cves: the distinct CVEs carrying an enabled tag open on a
-- target (and its hosts), excepted ones left out: the hosts listing's
-- Tagged column and its sort (a CVE with two tags counts once; tagged
-- keeps the count per tag).
ALTER TABLE targets ADD COLUMN tagged_cves INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN tagged_cves INTEGER NOT NULL DEFAULT 0;
UPDATE targets SET tagged_cves = (SELECT COUNT(DISTINCT f.cve) FROM target_findings f
    WHERE f.target_id = targets.id AND f.tags <> '' AND f.status <> 'excepted');
UPDATE hosts SET tagged_cves = COALESCE((SELECT t.tagged_cves FROM targets t WHERE t.id = hosts.target_id), 0);
CREATE INDEX hosts_tagged_order ON hosts (tagged_cves, hostname);

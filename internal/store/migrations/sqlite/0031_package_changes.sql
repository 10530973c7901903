-- What a changed report changed in a host's packages (issue 13, the host
-- page's "Changes"): one row per package added (old_version ''), removed
-- (new_version '') or updated, and one kind 'kernel' row when the running
-- kernel changed (name and arch '', the kernels as versions). Written by
-- SaveReport when the host's package set or kernel changes (store/
-- pkgchanges.go), at the report's time; collected with the report history
-- (GC's ReportsBefore) and when the host is deleted.
CREATE TABLE package_changes (
    id          INTEGER PRIMARY KEY,
    host_id     INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    kind        TEXT NOT NULL, -- 'package' or 'kernel'
    name        TEXT NOT NULL,
    arch        TEXT NOT NULL,
    old_version TEXT NOT NULL,
    new_version TEXT NOT NULL
);

CREATE INDEX package_changes_host ON package_changes (host_id, at);

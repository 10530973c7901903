-- A package set whose every package is evaluated for an OS group: a host
-- with a known set then skips the search for unevaluated packages.
-- Invalidation clears the marks of the OS group concerned.
CREATE TABLE set_evaluated (
    set_id   BIGINT NOT NULL REFERENCES package_sets (id),
    os_group TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (set_id, os_group)
);

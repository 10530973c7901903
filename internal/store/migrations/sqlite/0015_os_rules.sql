-- OS group rules kept in the database (issue 11 §7): tried in position
-- order (1 first) before the --os-rules file's and the built-in ones
-- (internal/osrules). pattern is a regular expression on the report's
-- system: line, or, when os_id, on os-release "ID VERSION_ID"; os_group
-- is the group template ($1, ${name}). Positions are kept 1..n.
-- AUTOINCREMENT: an id is never given again to another rule (admins and
-- scripts name rules by id; PostgreSQL's identity behaves the same).
CREATE TABLE os_rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    position   INTEGER NOT NULL,
    pattern    TEXT NOT NULL,
    os_id      BOOLEAN NOT NULL DEFAULT FALSE,
    os_group   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row (id 1), created by the first change: its version goes up by one
-- in the transaction of every change to os_rules, so that every server on
-- the database notices a change with one cheap read and re-reads the
-- rules. No row: version 0, no change ever.
CREATE TABLE os_rules_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);

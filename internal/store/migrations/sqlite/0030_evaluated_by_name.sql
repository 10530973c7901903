-- The OS groups with packages evaluated by their binary name for want of
-- a binary -> source map (match.BasisBinaryName): their data state is
-- partial until a Packages index or protocol-6 reports map them
-- (coverage.go), read at every data-state view; a partial index keeps
-- that read to the few such rows.
CREATE INDEX evaluated_by_name ON evaluated (os_group) WHERE basis = 'binary-name';

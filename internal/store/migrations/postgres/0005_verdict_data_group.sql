-- The OS group whose records decided a verdict, when the host's group
-- borrows another's data (a centos:7 host read against rhel:7, said in
-- every finding); '' when the host's own group's records decided.
-- (Numbered 0007 on main: 0005 and 0006 are other branches'.)
ALTER TABLE verdicts ADD COLUMN data_group TEXT COLLATE "C" NOT NULL DEFAULT '';

-- A counter that moves whenever the vulnerability data in force moves:
-- a source's current import switched (source_current) or the OS groups
-- with data changed (os_group_data). The triggers bump it in the writer's
-- own transaction, whoever the writer is (an import in any `pakiti serve`
-- instance, the command line), so a server caches what it derives from
-- those tables (DataDates, HasData: datacache.go) and re-reads them only
-- when the counter it reads, one row, has moved.
CREATE TABLE data_generation (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    gen INTEGER NOT NULL
);
INSERT INTO data_generation (id, gen) VALUES (1, 1);

CREATE TRIGGER data_gen_current_insert AFTER INSERT ON source_current
BEGIN UPDATE data_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER data_gen_current_update AFTER UPDATE ON source_current
BEGIN UPDATE data_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER data_gen_current_delete AFTER DELETE ON source_current
BEGIN UPDATE data_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER data_gen_groups_insert AFTER INSERT ON os_group_data
BEGIN UPDATE data_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER data_gen_groups_update AFTER UPDATE ON os_group_data
BEGIN UPDATE data_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER data_gen_groups_delete AFTER DELETE ON os_group_data
BEGIN UPDATE data_generation SET gen = gen + 1 WHERE id = 1; END;

-- PostgreSQL twin of sqlite/0021_data_generation.sql.
-- A counter that moves whenever the vulnerability data in force moves:
-- a source's current import switched (source_current) or the OS groups
-- with data changed (os_group_data). The triggers bump it in the writer's
-- own transaction, whoever the writer is (an import in any `pakiti serve`
-- instance, the command line), so a server caches what it derives from
-- those tables (DataDates, HasData: datacache.go) and re-reads them only
-- when the counter it reads, one row, has moved. Statement-level
-- triggers: one bump per statement, however many rows it touched.
CREATE TABLE data_generation (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    gen BIGINT NOT NULL
);
INSERT INTO data_generation (id, gen) VALUES (1, 1);

CREATE FUNCTION data_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_generation SET gen = gen + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER data_gen_current AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON source_current
    FOR EACH STATEMENT EXECUTE FUNCTION data_generation_bump();
CREATE TRIGGER data_gen_groups AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON os_group_data
    FOR EACH STATEMENT EXECUTE FUNCTION data_generation_bump();

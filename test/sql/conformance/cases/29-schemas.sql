-- Schemas: public, CREATE / DROP SCHEMA, qualified names, search_path resolution and the
-- errors around them.

-- optional
SELECT current_schema();
SHOW search_path;
CREATE TABLE public.pt (x int);
INSERT INTO pt VALUES (1);
SELECT x FROM public.pt;
CREATE SCHEMA app;
CREATE TABLE app.pt (y text);
INSERT INTO app.pt VALUES ('in app');
-- unqualified names resolve through search_path
SELECT * FROM pt;
SET search_path = app, public;
SHOW search_path;
-- optional
SELECT current_schema();
SELECT * FROM pt;
SELECT * FROM public.pt;
-- new unqualified tables go to the first schema in the path
CREATE TABLE only_app (z int);
SELECT count(*) FROM app.only_app;
SELECT count(*) FROM public.only_app;
SET search_path = public;
SELECT * FROM only_app;
SELECT * FROM app.only_app;
-- schema-qualified column references
SELECT app.pt.y FROM app.pt;
SELECT pt.y FROM app.pt;
-- a path naming a missing schema skips it
SET search_path = nosuchschema, app;
-- optional
SELECT current_schema();
SELECT * FROM pt;
-- an empty path leaves nowhere to create tables
SET search_path = '';
-- optional
SELECT current_schema();
CREATE TABLE homeless (x int);
SELECT * FROM pt;
SELECT * FROM app.pt;
RESET search_path;
SHOW search_path;
-- errors
CREATE SCHEMA app;
CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE nosuchschema.t (x int);
SELECT * FROM nosuchschema.t;
SELECT * FROM app.nosuchtable;
INSERT INTO app.nosuchtable VALUES (1);
DROP SCHEMA nosuchschema;
DROP SCHEMA IF EXISTS nosuchschema;
-- a schema with objects cannot be dropped without CASCADE
DROP SCHEMA app;
DROP SCHEMA app CASCADE;
SELECT * FROM app.pt;
-- schema names fold to lower case and can be quoted
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema".t (v int);
INSERT INTO "My Schema".t VALUES (7);
SELECT v FROM "My Schema".t;
SELECT v FROM "my schema".t;
SET search_path = "My Schema", public;
SELECT v FROM t;
RESET search_path;
-- indexes, sequences and serial columns live in the table's schema
CREATE SCHEMA inv;
CREATE TABLE inv.items (id serial PRIMARY KEY, name text);
CREATE UNIQUE INDEX items_name ON inv.items (name);
INSERT INTO inv.items (name) VALUES ('a') RETURNING id;
INSERT INTO inv.items (name) VALUES ('a');
SELECT nextval('inv.items_id_seq');
SELECT nextval('items_id_seq');
DROP INDEX items_name;
DROP INDEX inv.items_name;
-- renaming keeps the table in its schema
ALTER TABLE inv.items RENAME TO things;
SELECT count(*) FROM inv.things;
-- the same table name in two schemas, resolved by path order
CREATE TABLE inv.pt (x int);
INSERT INTO inv.pt VALUES (99);
SET search_path = inv, public;
SELECT x FROM pt;
SET search_path = public, inv;
SELECT x FROM pt;
RESET search_path;
-- identity and serial columns in a schema off the search path, added by ALTER TABLE too
CREATE TABLE inv.ids (id int GENERATED ALWAYS AS IDENTITY, v int);
INSERT INTO inv.ids (v) VALUES (1) RETURNING id, v;
CREATE TABLE inv.later (v int);
INSERT INTO inv.later VALUES (10), (20);
ALTER TABLE inv.later ADD COLUMN id serial;
INSERT INTO inv.later (v) VALUES (30);
SELECT v, id FROM inv.later ORDER BY v;
SELECT column_name, column_default FROM information_schema.columns WHERE table_schema = 'inv' AND table_name IN ('ids', 'later') ORDER BY table_name, ordinal_position;
-- and a public table's serial column with public off the search path
CREATE TABLE public.counted (id serial, v int);
SET search_path = inv;
INSERT INTO public.counted (v) VALUES (7) RETURNING id, v;
RESET search_path;
SELECT column_default FROM information_schema.columns WHERE table_name = 'counted' AND column_name = 'id';
DROP TABLE counted;
-- the system schemas exist
-- optional
SELECT count(*) > 0 AS has_tables FROM pg_catalog.pg_tables;
-- optional
SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('inv', 'My Schema') ORDER BY 1, 2;
DROP SCHEMA inv CASCADE;
DROP SCHEMA "My Schema" CASCADE;
DROP TABLE pt;

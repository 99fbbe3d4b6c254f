-- The catalog is transactional: DDL in a rolled-back transaction (or savepoint) is gone, DDL in
-- a committed one stays, and DDL mixes with DML in one transaction.

BEGIN;
CREATE TABLE ghost (x int);
INSERT INTO ghost VALUES (1);
SELECT * FROM ghost;
ROLLBACK;
SELECT * FROM ghost;
CREATE TABLE ghost (y text);
SELECT * FROM ghost;
-- a dropped table comes back with its rows after ROLLBACK
INSERT INTO ghost VALUES ('still here');
BEGIN;
DROP TABLE ghost;
SELECT * FROM ghost;
ROLLBACK;
SELECT * FROM ghost;
-- the same without reading the table in between
BEGIN;
DROP TABLE ghost;
ROLLBACK;
SELECT y FROM ghost;
-- ALTER TABLE rolled back
BEGIN;
ALTER TABLE ghost ADD COLUMN z int DEFAULT 7;
ALTER TABLE ghost RENAME COLUMN y TO why;
SELECT * FROM ghost;
ROLLBACK;
SELECT * FROM ghost;
BEGIN;
ALTER TABLE ghost RENAME TO phantom;
SELECT * FROM phantom;
ROLLBACK;
SELECT * FROM phantom;
SELECT * FROM ghost;
BEGIN;
ALTER TABLE ghost DROP COLUMN y;
ROLLBACK;
SELECT y FROM ghost;
-- CREATE INDEX rolled back: the uniqueness it enforced is gone
BEGIN;
CREATE UNIQUE INDEX ghost_y ON ghost (y);
INSERT INTO ghost VALUES ('still here');
ROLLBACK;
INSERT INTO ghost VALUES ('still here');
SELECT y, count(*) FROM ghost GROUP BY y;
-- DROP INDEX rolled back: the index is back and enforces again
DELETE FROM ghost;
CREATE UNIQUE INDEX ghost_y ON ghost (y);
BEGIN;
DROP INDEX ghost_y;
ROLLBACK;
INSERT INTO ghost VALUES ('a'), ('a');
-- CREATE SCHEMA and CREATE SEQUENCE rolled back
BEGIN;
CREATE SCHEMA ghost_schema;
CREATE TABLE ghost_schema.t (x int);
CREATE SEQUENCE ghost_seq;
SELECT nextval('ghost_seq');
ROLLBACK;
SELECT * FROM ghost_schema.t;
SELECT nextval('ghost_seq');
CREATE SCHEMA ghost_schema;
DROP SCHEMA ghost_schema;
-- committed DDL and DML together
BEGIN;
CREATE TABLE real_t (id serial PRIMARY KEY, v text NOT NULL);
INSERT INTO real_t (v) VALUES ('one'), ('two');
CREATE INDEX real_v ON real_t (v);
ALTER TABLE real_t ADD COLUMN w int DEFAULT 0;
UPDATE real_t SET w = id * 10;
COMMIT;
SELECT * FROM real_t ORDER BY id;
-- a failed DDL statement aborts the transaction like any other error
BEGIN;
CREATE TABLE real_t (x int);
CREATE TABLE after_fail (x int);
ROLLBACK;
SELECT * FROM after_fail;
-- a failed DDL statement outside a transaction leaves nothing behind
CREATE TABLE half (a int, b nosuchtype);
SELECT * FROM half;
-- DDL in a savepoint that is rolled back, then committed work around it
BEGIN;
CREATE TABLE keep_me (x int);
SAVEPOINT s;
CREATE TABLE lose_me (x int);
DROP TABLE keep_me;
ROLLBACK TO s;
INSERT INTO keep_me VALUES (1);
COMMIT;
SELECT * FROM keep_me;
SELECT * FROM lose_me;
-- TRUNCATE and DROP of a table created in the same transaction
BEGIN;
CREATE TABLE brief (x int);
INSERT INTO brief VALUES (1);
TRUNCATE brief;
DROP TABLE brief;
COMMIT;
SELECT * FROM brief;
-- DROP then re-CREATE the same name in one transaction
BEGIN;
DROP TABLE real_t;
CREATE TABLE real_t (other text);
INSERT INTO real_t VALUES ('new shape');
COMMIT;
SELECT * FROM real_t;
DROP TABLE ghost, real_t, keep_me;

-- SAVEPOINT, ROLLBACK TO [SAVEPOINT], RELEASE [SAVEPOINT]: partial rollback, recovering from
-- an error inside a transaction, nesting, name reuse and misuse.

CREATE TABLE sp (id int PRIMARY KEY, v text);
BEGIN;
INSERT INTO sp VALUES (1, 'kept');
SAVEPOINT a;
INSERT INTO sp VALUES (2, 'undone');
SELECT id FROM sp ORDER BY id;
ROLLBACK TO SAVEPOINT a;
SELECT id FROM sp ORDER BY id;
INSERT INTO sp VALUES (3, 'after rollback to');
COMMIT;
SELECT id, v FROM sp ORDER BY id;
-- recovering from an error with ROLLBACK TO
BEGIN;
SAVEPOINT before_error;
INSERT INTO sp VALUES (1, 'duplicate');
SELECT 1;
ROLLBACK TO before_error;
SELECT count(*) FROM sp;
INSERT INTO sp VALUES (4, 'recovered');
COMMIT;
SELECT id FROM sp ORDER BY id;
-- nested savepoints; rolling back to an outer one discards the inner ones
BEGIN;
SAVEPOINT outer_sp;
INSERT INTO sp VALUES (5, 'outer');
SAVEPOINT inner_sp;
INSERT INTO sp VALUES (6, 'inner');
ROLLBACK TO outer_sp;
ROLLBACK TO inner_sp;
ROLLBACK;
SELECT count(*) FROM sp WHERE id IN (5, 6);
-- RELEASE keeps the work and forgets the savepoint
BEGIN;
SAVEPOINT r;
INSERT INTO sp VALUES (7, 'released');
RELEASE SAVEPOINT r;
ROLLBACK TO r;
ROLLBACK;
BEGIN;
SAVEPOINT r;
INSERT INTO sp VALUES (7, 'released');
RELEASE r;
COMMIT;
SELECT v FROM sp WHERE id = 7;
-- releasing an outer savepoint releases the inner ones too
BEGIN;
SAVEPOINT s1;
SAVEPOINT s2;
RELEASE s1;
ROLLBACK TO s2;
ROLLBACK;
-- a reused name refers to the newest savepoint
BEGIN;
SAVEPOINT dup;
INSERT INTO sp VALUES (8, 'first');
SAVEPOINT dup;
INSERT INTO sp VALUES (9, 'second');
ROLLBACK TO dup;
SELECT id FROM sp WHERE id >= 8 ORDER BY id;
RELEASE dup;
ROLLBACK TO dup;
SELECT id FROM sp WHERE id >= 8 ORDER BY id;
COMMIT;
-- ROLLBACK TO keeps the savepoint, so it can be used again
BEGIN;
SAVEPOINT again;
INSERT INTO sp VALUES (10, 'x');
ROLLBACK TO again;
INSERT INTO sp VALUES (11, 'y');
ROLLBACK TO again;
SELECT count(*) FROM sp WHERE id IN (10, 11);
COMMIT;
-- savepoints outside a transaction block
SAVEPOINT nope;
RELEASE nope;
ROLLBACK TO nope;
-- an unknown savepoint aborts the transaction
BEGIN;
ROLLBACK TO nosuch;
SELECT 1;
ROLLBACK;
BEGIN;
RELEASE nosuch;
ROLLBACK;
-- RELEASE in a failed transaction is refused
BEGIN;
SAVEPOINT f;
SELECT 1 / 0;
RELEASE f;
ROLLBACK TO f;
SELECT 'recovered' AS state;
COMMIT;
-- DDL under a savepoint is rolled back with it
BEGIN;
SAVEPOINT ddl;
CREATE TABLE sp_tmp (x int);
ALTER TABLE sp ADD COLUMN extra int;
ROLLBACK TO ddl;
SELECT * FROM sp_tmp;
ROLLBACK;
SELECT * FROM sp WHERE id = 1;
-- updates under savepoints
BEGIN;
UPDATE sp SET v = 'one' WHERE id = 1;
SAVEPOINT u;
UPDATE sp SET v = 'two' WHERE id = 1;
DELETE FROM sp WHERE id = 3;
ROLLBACK TO u;
SELECT id, v FROM sp WHERE id IN (1, 3) ORDER BY id;
COMMIT;
SELECT id, v FROM sp ORDER BY id;
DROP TABLE sp;

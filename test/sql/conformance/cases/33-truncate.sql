-- TRUNCATE: empties tables, works on several at once, keeps sequences unless asked, is
-- transactional, and reports unknown tables.

CREATE TABLE t1 (id serial PRIMARY KEY, v text);
CREATE TABLE t2 (x int);
INSERT INTO t1 (v) VALUES ('a'), ('b'), ('c');
INSERT INTO t2 SELECT generate_series(1, 100);
TRUNCATE t1;
SELECT count(*) FROM t1;
-- serial values continue after TRUNCATE
INSERT INTO t1 (v) VALUES ('d') RETURNING id;
TRUNCATE TABLE t1, t2;
SELECT (SELECT count(*) FROM t1) AS t1_rows, (SELECT count(*) FROM t2) AS t2_rows;
-- the table still works after TRUNCATE, including its unique index
INSERT INTO t1 (id, v) VALUES (1, 'again');
INSERT INTO t1 (id, v) VALUES (1, 'dup');
-- TRUNCATE is transactional
INSERT INTO t2 VALUES (1), (2);
BEGIN;
TRUNCATE t2;
SELECT count(*) FROM t2;
ROLLBACK;
SELECT count(*) FROM t2;
BEGIN;
TRUNCATE t2;
INSERT INTO t2 VALUES (42);
COMMIT;
SELECT x FROM t2;
-- unknown tables: nothing is truncated
TRUNCATE nosuchtable;
TRUNCATE t2, nosuchtable;
SELECT count(*) FROM t2;
-- a sequence is not a table
CREATE SEQUENCE seq;
TRUNCATE seq;
-- RESTART IDENTITY resets owned sequences
-- optional
TRUNCATE t1 RESTART IDENTITY;
-- optional
INSERT INTO t1 (v) VALUES ('restarted') RETURNING id;
-- TRUNCATE of an empty table
CREATE TABLE empty (x int);
TRUNCATE empty;
SELECT count(*) FROM empty;
-- TRUNCATE keeps added columns and defaults
ALTER TABLE t2 ADD COLUMN y int DEFAULT 5;
TRUNCATE t2;
INSERT INTO t2 (x) VALUES (1);
SELECT x, y FROM t2;
DROP TABLE t1, t2, empty;
DROP SEQUENCE seq;

-- CREATE / DROP TABLE [IF [NOT] EXISTS], names, tables without a primary key (a hidden row
-- id keeps duplicate rows apart), and the errors around them.

CREATE TABLE t1 (a int, b text);
CREATE TABLE t1 (a int);
CREATE TABLE IF NOT EXISTS t1 (a int);
-- the existing definition wins after IF NOT EXISTS
SELECT * FROM t1;
-- a table without a primary key keeps duplicate rows
INSERT INTO t1 VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, NULL);
SELECT a, b, count(*) FROM t1 GROUP BY a, b ORDER BY a;
-- update and delete reach every duplicate
UPDATE t1 SET b = 'y' WHERE a = 1;
SELECT a, b FROM t1 ORDER BY a, b;
DELETE FROM t1 WHERE a = 1;
SELECT count(*) FROM t1;
-- unknown tables
SELECT * FROM nosuchtable;
INSERT INTO nosuchtable VALUES (1);
UPDATE nosuchtable SET a = 1;
DELETE FROM nosuchtable;
DROP TABLE nosuchtable;
DROP TABLE IF EXISTS nosuchtable;
-- DROP TABLE with several names, one missing: nothing is dropped
CREATE TABLE t2 (a int);
DROP TABLE t2, nosuchtable;
SELECT count(*) FROM t2;
DROP TABLE IF EXISTS t2, nosuchtable;
SELECT * FROM t2;
-- duplicate column names
CREATE TABLE t3 (a int, a text);
-- unknown type
CREATE TABLE t3 (a int4, b nosuchtype);
-- type name aliases
CREATE TABLE t3 (a int2, b int4, c int8, d float4, e float8, f bool, g varchar, h character varying(10), i character(2), j decimal(5,2), k timestamp without time zone, l timestamp with time zone, m double precision, n real);
INSERT INTO t3 VALUES (1, 2, 3, 4.5, 6.5, true, 'v', 'cv', 'c', 1.234, '2024-01-01', '2024-01-01 00:00+00', 7.25, 8.5);
SELECT * FROM t3;
-- identifiers are case-folded unless quoted
CREATE TABLE MixedCase (Id int, "Quoted" int);
INSERT INTO mixedcase (ID, "Quoted") VALUES (1, 2);
SELECT id, "Quoted" FROM MIXEDCASE;
SELECT Quoted FROM mixedcase;
CREATE TABLE "MixedCase" (x int);
SELECT * FROM "MixedCase";
-- identifiers longer than 63 bytes are truncated with a notice
CREATE TABLE a_table_name_that_is_much_longer_than_sixty_three_characters_in_total (x int);
SELECT x FROM a_table_name_that_is_much_longer_than_sixty_three_characters_in_tota;
-- a table with no columns
-- optional
CREATE TABLE nocols ();
-- SELECT * expands in declaration order and picks up every row
CREATE TABLE wide (z int, y text, x boolean);
INSERT INTO wide VALUES (1, 'one', true);
SELECT * FROM wide;
SELECT x, y, z FROM wide;
-- a column reference that does not exist
SELECT w FROM wide;
SELECT wide.w FROM wide;
SELECT nosuch.z FROM wide;
-- a table alias hides the table name
SELECT wide.z FROM wide AS w;
SELECT w.z FROM wide AS w;
-- DROP TABLE then re-create with another shape
DROP TABLE wide;
CREATE TABLE wide (only_col text);
SELECT * FROM wide;
DROP TABLE t1, t3, mixedcase, "MixedCase", wide, a_table_name_that_is_much_longer_than_sixty_three_characters_in_tota;
DROP TABLE IF EXISTS nocols;

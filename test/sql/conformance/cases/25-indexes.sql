-- CREATE / DROP INDEX: unique, multi-column and expression indexes, their violations, and
-- queries that an index may serve returning the same rows as a scan.

CREATE TABLE people (id int PRIMARY KEY, email text, first text, last text, age int);
INSERT INTO people VALUES (1, 'Ann@x.org', 'ann', 'lee', 30), (2, 'bob@x.org', 'bob', 'lee', 40), (3, NULL, 'cy', 'ray', NULL), (4, NULL, 'dee', 'ray', 25);
CREATE INDEX people_age ON people (age);
SELECT id FROM people WHERE age = 30;
SELECT id FROM people WHERE age > 26 ORDER BY age;
SELECT id FROM people WHERE age BETWEEN 20 AND 35 ORDER BY id;
SELECT id FROM people WHERE age IS NULL;
-- a unique index on a column with NULLs: NULLs do not collide
CREATE UNIQUE INDEX people_email ON people (email);
INSERT INTO people VALUES (5, 'bob@x.org', 'bo', 'b', 1);
INSERT INTO people VALUES (6, NULL, 'eve', 'x', 2);
UPDATE people SET email = 'bob@x.org' WHERE id = 1;
-- multi-column unique index
CREATE UNIQUE INDEX people_name ON people (first, last);
INSERT INTO people VALUES (7, 'z@x', 'ann', 'lee', 1);
INSERT INTO people VALUES (8, 'y@x', 'ann', 'ray', 1);
SELECT id FROM people WHERE first = 'ann' AND last = 'ray';
SELECT id FROM people WHERE first = 'ann' ORDER BY id;
-- expression index: case-insensitive uniqueness
CREATE UNIQUE INDEX people_email_lower ON people (lower(email));
INSERT INTO people VALUES (9, 'ANN@X.ORG', 'q', 'q', 1);
SELECT id FROM people WHERE lower(email) = 'ann@x.org';
-- a unique index cannot be built over duplicates
CREATE UNIQUE INDEX people_first ON people (first);
CREATE UNIQUE INDEX people_last_age ON people (last, age);
-- name clashes and IF NOT EXISTS
CREATE INDEX people_age ON people (first);
CREATE INDEX IF NOT EXISTS people_age ON people (first);
CREATE INDEX people ON people (first);
-- default index names
CREATE INDEX ON people (last);
CREATE INDEX ON people (last);
DROP INDEX people_last_idx;
DROP INDEX people_last_idx1;
-- errors: unknown table, unknown column, unknown index
CREATE INDEX bad ON nosuchtable (x);
CREATE INDEX bad ON people (nosuch);
CREATE INDEX bad ON people (lower(nosuch));
DROP INDEX nosuchindex;
DROP INDEX IF EXISTS nosuchindex;
-- DROP INDEX removes the constraint it enforced
DROP INDEX people_name;
INSERT INTO people VALUES (10, 'w@x', 'ann', 'lee', 1);
SELECT count(*) FROM people WHERE first = 'ann' AND last = 'lee';
-- a table's primary key index cannot be dropped with DROP INDEX
DROP INDEX people_pkey;
-- an index survives updates of the indexed column
UPDATE people SET age = age + 1 WHERE age IS NOT NULL;
SELECT id, age FROM people WHERE age >= 30 ORDER BY age, id;
DELETE FROM people WHERE age = 41;
SELECT id FROM people WHERE age = 41;
-- index on several types, then range queries
CREATE TABLE ev (id int PRIMARY KEY, at timestamp, score numeric, tag text);
INSERT INTO ev SELECT g, '2024-01-01'::timestamp + g * interval '1 hour', g * 1.5, 'tag' || (g % 3) FROM generate_series(1, 50) g;
CREATE INDEX ev_at ON ev (at);
CREATE INDEX ev_tag_score ON ev (tag, score DESC);
SELECT count(*) FROM ev WHERE at >= '2024-01-02' AND at < '2024-01-03';
SELECT id FROM ev WHERE tag = 'tag1' AND score > 60 ORDER BY score DESC;
SELECT id FROM ev WHERE at = '2024-01-01 05:00';
-- composite primary key prefix and range lookups
CREATE TABLE cpk (a int, b int, v text, PRIMARY KEY (a, b));
INSERT INTO cpk SELECT x, y, x || '-' || y FROM generate_series(1, 3) x, generate_series(1, 3) y;
SELECT v FROM cpk WHERE a = 2 ORDER BY b;
SELECT v FROM cpk WHERE a = 2 AND b >= 2 ORDER BY b DESC;
SELECT v FROM cpk WHERE b = 3 ORDER BY a;
SELECT v FROM cpk WHERE a BETWEEN 2 AND 3 AND b = 1 ORDER BY a;
-- a partial index
-- optional
CREATE UNIQUE INDEX cpk_partial ON cpk (v) WHERE a > 2;
DROP TABLE people, ev, cpk;
-- the indexes went with the table
DROP INDEX people_age;

-- INSERT: multi-row VALUES, column lists, INSERT ... SELECT, DEFAULT VALUES, RETURNING,
-- type coercion on assignment, and ON CONFLICT DO NOTHING / DO UPDATE with excluded.

CREATE TABLE kv (k int PRIMARY KEY, v text NOT NULL DEFAULT 'none', n numeric(5,1), at date);
INSERT INTO kv VALUES (1, 'one', 1.0, '2024-01-01');
INSERT INTO kv VALUES (2, 'two', 2, NULL), (3, 'three', 3.33, '2024-03-03');
INSERT INTO kv (k) VALUES (4);
INSERT INTO kv (v, k) VALUES ('five', 5);
SELECT * FROM kv ORDER BY k;
-- RETURNING *, expressions and aliases
INSERT INTO kv VALUES (6, 'six', 6.06, '2024-06-06') RETURNING *;
INSERT INTO kv (k, v) VALUES (7, 'seven') RETURNING k * 10 AS tens, upper(v), n IS NULL AS no_n;
-- assignment coercion: numbers round, quoted literals are parsed for the column type
INSERT INTO kv (k, v, n, at) VALUES ('8', 8, 8.25, '20240808') RETURNING *;
INSERT INTO kv (k, v) VALUES (9.6, 'rounded') RETURNING k;
-- wrong types and bad literals
INSERT INTO kv (k, v) VALUES ('x', 'bad int');
INSERT INTO kv (k, at) VALUES (11, 'not a date');
INSERT INTO kv (k, at) VALUES (12, 5);
INSERT INTO kv (k, n) VALUES (13, 123456.7);
-- a text value into an integer column needs a cast
INSERT INTO kv (k, v) SELECT '14'::text, 'from text';
-- column list mismatches
INSERT INTO kv (k, v) VALUES (15);
INSERT INTO kv (k) VALUES (16, 'extra');
INSERT INTO kv VALUES (17, 'a', 1, '2024-01-01', 'too many');
INSERT INTO kv (k, nosuchcol) VALUES (18, 1);
INSERT INTO kv (k, k) VALUES (19, 19);
-- multi-row VALUES must have equal lengths
INSERT INTO kv (k, v) VALUES (20, 'a'), (21);
-- one bad row fails the whole statement
INSERT INTO kv (k, v) VALUES (22, 'ok'), (1, 'duplicate');
SELECT count(*) FROM kv WHERE k = 22;
-- INSERT ... SELECT
CREATE TABLE kv_copy (k int PRIMARY KEY, v text);
INSERT INTO kv_copy SELECT k, v FROM kv WHERE k <= 3;
-- unordered
INSERT INTO kv_copy (k, v) SELECT k + 100, v || '!' FROM kv WHERE n IS NOT NULL RETURNING k, v;
SELECT * FROM kv_copy ORDER BY k;
INSERT INTO kv_copy SELECT k, v FROM kv WHERE k = 1;
INSERT INTO kv_copy SELECT k FROM kv WHERE k = 1000;
INSERT INTO kv_copy SELECT k, v, n FROM kv;
-- INSERT ... SELECT from the same table
INSERT INTO kv_copy SELECT k + 1000, v FROM kv_copy;
SELECT count(*) FROM kv_copy;
-- DEFAULT VALUES
CREATE TABLE defaults (id serial PRIMARY KEY, a int DEFAULT 7, b text);
INSERT INTO defaults DEFAULT VALUES;
INSERT INTO defaults DEFAULT VALUES RETURNING *;
INSERT INTO defaults (a) VALUES (DEFAULT), (8) RETURNING id, a;
SELECT * FROM defaults ORDER BY id;
INSERT INTO kv DEFAULT VALUES;
-- ON CONFLICT DO NOTHING with and without a target
INSERT INTO kv (k, v) VALUES (1, 'ignored') ON CONFLICT DO NOTHING;
INSERT INTO kv (k, v) VALUES (1, 'ignored'), (30, 'thirty') ON CONFLICT (k) DO NOTHING RETURNING k, v;
SELECT k, v FROM kv WHERE k IN (1, 30) ORDER BY k;
-- ON CONFLICT DO UPDATE with excluded
INSERT INTO kv (k, v) VALUES (1, 'uno') ON CONFLICT (k) DO UPDATE SET v = excluded.v RETURNING *;
INSERT INTO kv (k, v, n) VALUES (2, 'dos', 20), (31, 'new', 31) ON CONFLICT (k) DO UPDATE SET v = kv.v || '+' || excluded.v, n = excluded.n RETURNING k, v, n;
-- DO UPDATE with a WHERE: the row is skipped when the condition fails
INSERT INTO kv (k, v) VALUES (3, 'tres') ON CONFLICT (k) DO UPDATE SET v = excluded.v WHERE kv.n > 100 RETURNING *;
SELECT k, v FROM kv WHERE k = 3;
-- ON CONFLICT ON CONSTRAINT
INSERT INTO kv (k, v) VALUES (4, 'cuatro') ON CONFLICT ON CONSTRAINT kv_pkey DO UPDATE SET v = excluded.v RETURNING k, v;
-- a conflict target without a unique index
INSERT INTO kv (k, v) VALUES (5, 'x') ON CONFLICT (v) DO NOTHING;
INSERT INTO kv (k, v) VALUES (5, 'x') ON CONFLICT (nosuchcol) DO NOTHING;
-- DO UPDATE needs a conflict target
INSERT INTO kv (k, v) VALUES (5, 'x') ON CONFLICT DO UPDATE SET v = 'y';
-- the same key twice in one DO UPDATE statement
INSERT INTO kv (k, v) VALUES (40, 'a'), (40, 'b') ON CONFLICT (k) DO UPDATE SET v = excluded.v;
-- ...is fine with DO NOTHING
INSERT INTO kv (k, v) VALUES (41, 'a'), (41, 'b') ON CONFLICT DO NOTHING RETURNING k, v;
-- ON CONFLICT on a unique column that is not the key
CREATE TABLE emails (id int PRIMARY KEY, email text UNIQUE, hits int DEFAULT 0);
INSERT INTO emails VALUES (1, 'a@x', 0);
INSERT INTO emails VALUES (2, 'a@x', 0) ON CONFLICT (email) DO UPDATE SET hits = emails.hits + 1 RETURNING *;
INSERT INTO emails VALUES (2, 'a@x', 0) ON CONFLICT (email) DO UPDATE SET hits = emails.hits + 1 RETURNING *;
-- a conflict on an index other than the target is still an error
INSERT INTO emails VALUES (1, 'b@x', 0) ON CONFLICT (email) DO NOTHING;
-- DO UPDATE that itself violates a constraint
INSERT INTO emails VALUES (3, 'c@x', 0);
INSERT INTO emails VALUES (9, 'c@x', 0) ON CONFLICT (email) DO UPDATE SET email = 'a@x';
SELECT * FROM emails ORDER BY id;
-- insert into a missing table
INSERT INTO nosuchtable VALUES (1);
DROP TABLE kv, kv_copy, defaults, emails;

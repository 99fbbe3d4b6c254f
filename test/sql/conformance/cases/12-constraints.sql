-- PRIMARY KEY (single and composite), NOT NULL, UNIQUE, CHECK and DEFAULT, with the errors
-- and detail messages of their violations.

CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE NOT NULL, age int CHECK (age >= 0), name text DEFAULT 'anon', created date DEFAULT '2024-01-01');
INSERT INTO users (id, email, age) VALUES (1, 'a@x', 30);
SELECT * FROM users;
-- primary key violation
INSERT INTO users (id, email) VALUES (1, 'b@x');
-- a primary key column cannot be NULL
INSERT INTO users (id, email) VALUES (NULL, 'c@x');
-- NOT NULL violation, by omission and explicitly
INSERT INTO users (id) VALUES (2);
INSERT INTO users (id, email) VALUES (3, NULL);
-- UNIQUE violation
INSERT INTO users (id, email) VALUES (4, 'a@x');
-- CHECK violation; NULL passes a CHECK
INSERT INTO users (id, email, age) VALUES (5, 'e@x', -1);
INSERT INTO users (id, email, age) VALUES (6, 'f@x', NULL);
-- violations through UPDATE
UPDATE users SET age = -5 WHERE id = 1;
UPDATE users SET email = NULL WHERE id = 1;
UPDATE users SET id = 6 WHERE id = 1;
UPDATE users SET email = 'f@x' WHERE id = 1;
-- a failed statement changes nothing, even for the rows that were fine
INSERT INTO users (id, email) VALUES (7, 'g@x'), (8, 'a@x');
SELECT id, email, age, name, created FROM users ORDER BY id;
-- DEFAULT in VALUES and in UPDATE
INSERT INTO users (id, email, name) VALUES (9, 'h@x', DEFAULT);
UPDATE users SET name = 'temp' WHERE id = 9;
UPDATE users SET name = DEFAULT WHERE id = 9 RETURNING id, name;
-- composite primary key
CREATE TABLE pairs (a int, b text, v int, PRIMARY KEY (a, b));
INSERT INTO pairs VALUES (1, 'x', 1), (1, 'y', 2), (2, 'x', 3);
INSERT INTO pairs VALUES (1, 'x', 4);
INSERT INTO pairs VALUES (3, NULL, 5);
SELECT * FROM pairs ORDER BY a, b;
-- UNIQUE allows several NULLs
CREATE TABLE uq (id int PRIMARY KEY, code text UNIQUE, x int, y int, CONSTRAINT uq_xy UNIQUE (x, y));
INSERT INTO uq VALUES (1, NULL, 1, NULL), (2, NULL, 1, NULL), (3, 'a', 1, 1);
INSERT INTO uq VALUES (4, 'b', 1, 1);
SELECT id, code, x, y FROM uq ORDER BY id;
-- named and table-level CHECK constraints
CREATE TABLE ranges (lo int, hi int, CONSTRAINT lo_below_hi CHECK (lo < hi), CHECK (lo > 0));
INSERT INTO ranges VALUES (1, 2);
INSERT INTO ranges VALUES (3, 2);
INSERT INTO ranges VALUES (0, 2);
-- two primary keys
CREATE TABLE twopk (a int PRIMARY KEY, b int PRIMARY KEY);
-- a constraint on a column that does not exist
CREATE TABLE badpk (a int, PRIMARY KEY (z));
CREATE TABLE badcheck (a int CHECK (z > 0));
-- a default of the wrong type is rejected when the table is created
CREATE TABLE baddefault (a int DEFAULT 'x');
CREATE TABLE baddefault2 (a int DEFAULT true);
-- defaults from functions and expressions
CREATE TABLE stamped (id int PRIMARY KEY, at timestamptz DEFAULT now(), token uuid DEFAULT gen_random_uuid(), n int DEFAULT 2 + 3, label text DEFAULT 'item-' || 'x');
INSERT INTO stamped (id) VALUES (1), (2);
SELECT id, at IS NOT NULL AS has_at, at <= now() AS not_future, length(token::text) AS token_len, n, label FROM stamped ORDER BY id;
SELECT count(DISTINCT token) FROM stamped;
-- now() is the transaction start: equal for every row of one statement
SELECT count(DISTINCT at) FROM stamped;
-- NOT NULL with DEFAULT NULL fails only when the default is used
CREATE TABLE nn (id int PRIMARY KEY, v int NOT NULL DEFAULT NULL);
INSERT INTO nn VALUES (1, 1);
INSERT INTO nn (id) VALUES (2);
-- a CHECK constraint that is already violated by an expression mixing columns
CREATE TABLE prices (id int PRIMARY KEY, price numeric(8,2) NOT NULL CHECK (price > 0), discount numeric(8,2) DEFAULT 0, CHECK (discount <= price));
INSERT INTO prices VALUES (1, 10.00, 2.50);
INSERT INTO prices VALUES (2, 5, 6);
UPDATE prices SET discount = 20 WHERE id = 1;
SELECT * FROM prices;
DROP TABLE users, pairs, uq, ranges, stamped, nn, prices;

-- ALTER TABLE ADD / DROP / RENAME COLUMN and RENAME TO, then reading rows written before
-- the change.

CREATE TABLE items (id int PRIMARY KEY, name text, price int);
INSERT INTO items VALUES (1, 'a', 10), (2, 'b', NULL);
-- a new column without a default reads as NULL in old rows
ALTER TABLE items ADD COLUMN note text;
SELECT * FROM items ORDER BY id;
-- a new column with a default fills old rows
ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 1;
SELECT * FROM items ORDER BY id;
INSERT INTO items (id, name) VALUES (3, 'c');
SELECT id, qty, note FROM items ORDER BY id;
-- the COLUMN keyword is optional
ALTER TABLE items ADD flag boolean DEFAULT false;
SELECT id, flag FROM items ORDER BY id;
-- adding a column that exists
ALTER TABLE items ADD COLUMN name text;
ALTER TABLE items ADD COLUMN IF NOT EXISTS name text;
-- NOT NULL without a default on a table with rows
ALTER TABLE items ADD COLUMN required int NOT NULL;
-- a CHECK that existing rows violate
ALTER TABLE items ADD COLUMN level int DEFAULT -1 CHECK (level >= 0);
-- a default from a function is evaluated for each old row
ALTER TABLE items ADD COLUMN uid uuid DEFAULT gen_random_uuid();
SELECT count(DISTINCT uid) AS distinct_uids FROM items;
ALTER TABLE items DROP COLUMN uid;
-- dropping a column hides it from old and new rows
ALTER TABLE items DROP COLUMN note;
SELECT * FROM items ORDER BY id;
SELECT note FROM items;
ALTER TABLE items DROP COLUMN note;
ALTER TABLE items DROP COLUMN IF EXISTS note;
INSERT INTO items (id, name, price, qty, flag) VALUES (4, 'd', 40, 2, true);
SELECT id, name, price, qty, flag FROM items ORDER BY id;
-- drop and re-add a column with the same name: the old values do not come back
ALTER TABLE items DROP COLUMN price;
ALTER TABLE items ADD COLUMN price int;
SELECT id, price FROM items ORDER BY id;
-- renaming a column
ALTER TABLE items RENAME COLUMN name TO title;
SELECT id, title FROM items ORDER BY id;
SELECT name FROM items;
ALTER TABLE items RENAME title TO label;
ALTER TABLE items RENAME COLUMN nosuch TO other;
ALTER TABLE items RENAME COLUMN label TO qty;
-- renaming the table
ALTER TABLE items RENAME TO products;
SELECT id, label FROM products ORDER BY id;
SELECT * FROM items;
CREATE TABLE other (x int);
ALTER TABLE products RENAME TO other;
-- the primary key still works after the changes
INSERT INTO products (id, label) VALUES (1, 'dup');
-- ALTER TABLE on a missing table
ALTER TABLE nosuchtable ADD COLUMN x int;
ALTER TABLE IF EXISTS nosuchtable ADD COLUMN x int;
ALTER TABLE nosuchtable RENAME TO other2;
-- dropping a primary key column drops the key too
CREATE TABLE keyed (k int PRIMARY KEY, v text);
INSERT INTO keyed VALUES (1, 'x');
ALTER TABLE keyed DROP COLUMN k;
INSERT INTO keyed VALUES ('x');
SELECT v, count(*) FROM keyed GROUP BY v;
-- several actions in one statement
ALTER TABLE keyed ADD COLUMN a int DEFAULT 1, ADD COLUMN b int DEFAULT 2;
-- unordered
SELECT * FROM keyed;
-- dropping every column leaves rows without columns
ALTER TABLE keyed DROP COLUMN a, DROP COLUMN b;
SELECT count(*) FROM keyed;
-- a type change
-- optional
ALTER TABLE keyed ALTER COLUMN v TYPE varchar(10);
-- ADD COLUMN takes the column clauses CREATE TABLE takes
ALTER TABLE keyed ADD COLUMN code int UNIQUE NOT DEFERRABLE;
ALTER TABLE keyed ADD COLUMN label text COLLATE "C" DEFAULT 'x';
ALTER TABLE keyed ADD COLUMN pk int PRIMARY KEY;
-- optional
ALTER TABLE keyed ADD COLUMN late int UNIQUE DEFERRABLE;
ALTER TABLE keyed ADD COLUMN gen int GENERATED ALWAYS AS IDENTITY;
SELECT count(*), count(DISTINCT gen), min(gen), max(gen) FROM keyed;
INSERT INTO keyed (v, gen) VALUES ('y', 5);
INSERT INTO keyed (v) VALUES ('z') RETURNING v, gen;
SELECT column_name, is_nullable, column_default FROM information_schema.columns WHERE table_name = 'keyed' AND column_name IN ('code', 'label') ORDER BY 1;
DROP TABLE products, other, keyed;

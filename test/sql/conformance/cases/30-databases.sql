-- Databases: postgres exists; CREATE / DROP DATABASE and their errors.

SELECT current_database();
CREATE DATABASE conformance_db;
CREATE DATABASE conformance_db;
-- database names fold to lower case
CREATE DATABASE Conformance_DB;
CREATE DATABASE "Conformance_DB";
-- optional
SELECT datname FROM pg_database WHERE datname ILIKE 'conformance%' ORDER BY datname;
-- CREATE / DROP DATABASE cannot run inside a transaction block
BEGIN;
CREATE DATABASE in_txn;
ROLLBACK;
BEGIN;
DROP DATABASE conformance_db;
ROLLBACK;
DROP DATABASE conformance_db;
DROP DATABASE "Conformance_DB";
DROP DATABASE conformance_db;
DROP DATABASE IF EXISTS conformance_db;
-- the current database cannot be dropped
DROP DATABASE postgres;
-- a database name that is too long is truncated with a notice
CREATE DATABASE a_database_name_that_is_much_longer_than_sixty_three_characters_total;
DROP DATABASE a_database_name_that_is_much_longer_than_sixty_three_characters_tota;
-- tables are per database: this one stays in postgres
CREATE DATABASE other_db;
CREATE TABLE here (x int);
DROP DATABASE other_db;
SELECT count(*) FROM here;
-- a three-part name may name the current database, no other
SELECT count(*) FROM postgres.public.here;
SELECT count(*) FROM other_db.public.here;
SELECT count(*) FROM nowhere.public.here;
DROP TABLE here;
-- optional
SELECT datname FROM pg_database WHERE datname NOT LIKE 'template%' ORDER BY datname;

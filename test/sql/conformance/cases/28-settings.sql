-- SET / SHOW / RESET for the settings drivers send and read, SET LOCAL, settings inside
-- rolled back transactions, and the session's default isolation level.

SHOW client_encoding;
SHOW server_encoding;
SHOW DateStyle;
SHOW TimeZone;
SHOW IntervalStyle;
SHOW standard_conforming_strings;
SHOW integer_datetimes;
SHOW extra_float_digits;
SHOW search_path;
SHOW transaction_isolation;
SHOW default_transaction_isolation;
SHOW statement_timeout;
SHOW lock_timeout;
SHOW idle_in_transaction_session_timeout;
SHOW client_min_messages;
SHOW application_name;
SHOW max_identifier_length;
-- names are case-insensitive
SHOW timezone;
SHOW DATESTYLE;
-- SET, SHOW and RESET
SET application_name = 'conformance';
SHOW application_name;
RESET application_name;
SHOW application_name;
SET statement_timeout = '5s';
SHOW statement_timeout;
SET statement_timeout TO 1500;
SHOW statement_timeout;
SET statement_timeout TO DEFAULT;
SHOW statement_timeout;
SET extra_float_digits = 0;
SELECT 0.1::float8 + 0.2::float8 AS sum, 1::float8 / 3 AS third;
SET extra_float_digits = 3;
SELECT 0.1::float8 AS tenth;
RESET extra_float_digits;
SELECT 0.1::float8 AS tenth;
SET client_min_messages = warning;
SHOW client_min_messages;
DROP TABLE IF EXISTS nosuchtable;
RESET client_min_messages;
-- SQL-standard spellings
SET TIME ZONE 'Europe/Paris';
SHOW TimeZone;
SET TIME ZONE LOCAL;
SET TIME ZONE 'UTC';
SET SESSION DateStyle = 'ISO, DMY';
SHOW DateStyle;
SET DateStyle = 'German';
SHOW DateStyle;
SELECT '2024-03-04'::date AS german;
SET DateStyle = 'ISO';
SHOW DateStyle;
RESET DateStyle;
SHOW DateStyle;
SET IntervalStyle = 'iso_8601';
SELECT interval '1 day 2 hours' AS iso_interval;
RESET IntervalStyle;
-- RESET ALL
SET application_name = 'x';
SET statement_timeout = 10;
RESET ALL;
SHOW application_name;
SHOW statement_timeout;
-- current_setting and set_config
-- optional
SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS path;
-- optional
SELECT current_setting('nosuch.setting');
-- optional
SELECT current_setting('nosuch.setting', true) IS NULL AS missing_ok;
-- optional
SELECT set_config('application_name', 'via function', false) AS set_to;
RESET application_name;
-- errors: unknown parameters and bad values
SET nosuchparameter = 1;
SHOW nosuchparameter;
RESET nosuchparameter;
SET DateStyle = 'Klingon';
SET statement_timeout = 'forever';
SET extra_float_digits = 10;
SET TimeZone = 'Nowhere/Special';
SET transaction_isolation = 'bogus';
SET default_transaction_isolation = 'bogus';
-- settings that cannot be changed
SET server_encoding = 'LATIN1';
SET integer_datetimes = off;
-- custom (placeholder) settings with a dot in the name
-- optional
SET myapp.user_id = '42';
-- optional
SELECT current_setting('myapp.user_id') AS custom;
-- SET LOCAL lasts until the end of the transaction
BEGIN;
SET LOCAL statement_timeout = '7s';
SHOW statement_timeout;
COMMIT;
SHOW statement_timeout;
-- SET LOCAL outside a transaction only warns
SET LOCAL statement_timeout = '8s';
SHOW statement_timeout;
-- a SET inside a rolled-back transaction is undone; inside a committed one it stays
BEGIN;
SET application_name = 'rolled back';
SHOW application_name;
ROLLBACK;
SHOW application_name;
BEGIN;
SET application_name = 'committed';
COMMIT;
SHOW application_name;
RESET application_name;
-- a SET in an aborted transaction is refused
BEGIN;
SELECT 1 / 0;
SET application_name = 'x';
ROLLBACK;
-- the session default isolation level
SET default_transaction_isolation = 'serializable';
SHOW default_transaction_isolation;
BEGIN;
SHOW transaction_isolation;
COMMIT;
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SHOW default_transaction_isolation;
BEGIN;
SHOW transaction_isolation;
COMMIT;
RESET default_transaction_isolation;
SHOW default_transaction_isolation;
-- transaction_isolation outside a block follows the default
SET default_transaction_isolation = 'read committed';
SHOW transaction_isolation;

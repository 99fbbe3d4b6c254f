-- BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK, the failed-transaction state
-- (25P02), transaction status after each statement, READ ONLY, and warnings for misplaced
-- transaction commands.

CREATE TABLE acc (id int PRIMARY KEY, v int);
INSERT INTO acc VALUES (1, 10);
BEGIN;
INSERT INTO acc VALUES (2, 20);
UPDATE acc SET v = v + 1 WHERE id = 1;
SELECT id, v FROM acc ORDER BY id;
COMMIT;
SELECT id, v FROM acc ORDER BY id;
-- ROLLBACK undoes inserts, updates and deletes
BEGIN;
INSERT INTO acc VALUES (3, 30);
UPDATE acc SET v = 0;
DELETE FROM acc WHERE id = 2;
SELECT id, v FROM acc ORDER BY id;
ROLLBACK;
SELECT id, v FROM acc ORDER BY id;
-- START TRANSACTION and END
START TRANSACTION;
INSERT INTO acc VALUES (4, 40);
END;
SELECT count(*) FROM acc;
BEGIN WORK;
COMMIT WORK;
BEGIN TRANSACTION;
ROLLBACK TRANSACTION;
-- an error aborts the transaction: everything else is refused until ROLLBACK
BEGIN;
INSERT INTO acc VALUES (5, 50);
INSERT INTO acc VALUES (1, 0);
SELECT 1;
INSERT INTO acc VALUES (6, 60);
SHOW TimeZone;
COMMIT;
SELECT count(*) FROM acc WHERE id IN (5, 6);
-- ROLLBACK of a failed transaction
BEGIN;
SELECT 1 / 0;
ROLLBACK;
SELECT 'usable again' AS status;
-- syntax errors abort a transaction too
BEGIN;
SELEC 1;
SELECT 1;
ROLLBACK;
-- an unknown table also aborts
BEGIN;
SELECT * FROM nosuchtable;
SELECT 1;
END;
-- transaction commands in the wrong place give warnings, not errors
COMMIT;
ROLLBACK;
BEGIN;
BEGIN;
COMMIT;
-- isolation levels and access modes on BEGIN
BEGIN ISOLATION LEVEL SERIALIZABLE;
SHOW transaction_isolation;
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SHOW transaction_isolation;
COMMIT;
START TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE;
SHOW transaction_isolation;
COMMIT;
BEGIN ISOLATION LEVEL READ UNCOMMITTED;
SHOW transaction_isolation;
COMMIT;
SHOW transaction_isolation;
BEGIN ISOLATION LEVEL SNAPSHOT;
-- SET TRANSACTION inside a block, before any query
BEGIN;
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SHOW transaction_isolation;
COMMIT;
-- ...and after one
BEGIN;
SELECT 1;
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
ROLLBACK;
-- SET TRANSACTION outside a block only warns
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
-- read-only transactions refuse writes
BEGIN READ ONLY;
SELECT count(*) FROM acc;
INSERT INTO acc VALUES (7, 70);
ROLLBACK;
BEGIN TRANSACTION READ ONLY;
UPDATE acc SET v = 0;
ROLLBACK;
BEGIN READ ONLY;
CREATE TABLE ro (x int);
ROLLBACK;
SHOW transaction_read_only;
-- now() is fixed for the transaction
BEGIN;
CREATE TABLE clock (t timestamptz);
INSERT INTO clock VALUES (now());
INSERT INTO clock VALUES (now());
SELECT count(DISTINCT t) AS distinct_times, bool_and(t = now()) AS all_now, bool_and(t = current_timestamp) AS all_current FROM clock;
COMMIT;
-- a failed COMMIT's effects: COMMIT of an aborted transaction reports ROLLBACK
BEGIN;
INSERT INTO acc VALUES (8, 80);
SELECT nosuch FROM acc;
COMMIT;
SELECT count(*) FROM acc WHERE id = 8;
-- statement-level atomicity outside a transaction
INSERT INTO acc VALUES (9, 90), (1, 10);
SELECT count(*) FROM acc WHERE id = 9;
DROP TABLE acc, clock;

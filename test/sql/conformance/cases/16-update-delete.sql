-- UPDATE and DELETE: any WHERE, RETURNING, UPDATE ... FROM, command tags with row counts.

CREATE TABLE acct (id int PRIMARY KEY, owner text, balance numeric(10,2), active boolean DEFAULT true);
INSERT INTO acct VALUES (1, 'ann', 100.00, true), (2, 'bob', 50.50, true), (3, 'cy', 0, false), (4, 'dee', NULL, true);
UPDATE acct SET balance = balance + 10 WHERE id = 1;
SELECT id, balance FROM acct WHERE id = 1;
-- every row, counted in the tag; NULL stays NULL
UPDATE acct SET balance = balance * 2;
SELECT id, balance FROM acct ORDER BY id;
-- no matching rows
UPDATE acct SET balance = 0 WHERE id = 999;
UPDATE acct SET balance = 0 WHERE false;
-- SET several columns; every right-hand side sees the old row
UPDATE acct SET owner = upper(owner), balance = balance - 1, active = NOT active WHERE id IN (2, 3);
SELECT * FROM acct WHERE id IN (2, 3) ORDER BY id;
CREATE TABLE swap (id int PRIMARY KEY, a int, b int);
INSERT INTO swap VALUES (1, 1, 2);
UPDATE swap SET a = b, b = a;
SELECT * FROM swap;
-- row-constructor SET
UPDATE swap SET (a, b) = (b + 10, a + 10) RETURNING *;
-- RETURNING
UPDATE acct SET balance = 0 WHERE id = 3 RETURNING id, owner, balance;
-- unordered
UPDATE acct SET active = true WHERE active RETURNING *;
-- WHERE with AND / OR / NOT, IS NULL, subquery
-- unordered
UPDATE acct SET owner = owner || '*' WHERE (balance > 100 OR balance IS NULL) AND NOT id = 1 RETURNING id, owner;
-- unordered
UPDATE acct SET balance = (SELECT max(balance) FROM acct) WHERE balance IS NULL RETURNING id, balance;
-- errors: unknown column, wrong type, constraint violations, scalar subquery returning rows
UPDATE acct SET nosuch = 1;
UPDATE acct SET balance = 'lots' WHERE id = 1;
UPDATE acct SET balance = 1 WHERE nosuch = 1;
UPDATE acct SET id = 2 WHERE id = 1;
UPDATE acct SET id = NULL WHERE id = 1;
UPDATE acct SET balance = (SELECT balance FROM acct) WHERE id = 1;
UPDATE acct SET balance = 123456789012 WHERE id = 1;
-- the failed updates changed nothing
SELECT id, owner, balance, active FROM acct ORDER BY id;
-- UPDATE ... FROM
CREATE TABLE deposits (acct_id int, amount numeric(10,2));
INSERT INTO deposits VALUES (1, 5.00), (2, 7.25), (99, 1.00);
-- unordered
UPDATE acct SET balance = acct.balance + d.amount FROM deposits AS d WHERE d.acct_id = acct.id RETURNING acct.id, acct.balance, d.amount;
SELECT id, balance FROM acct ORDER BY id;
-- UPDATE ... FROM with a subquery and a join condition on several columns
-- unordered
UPDATE acct SET owner = s.new_owner FROM (VALUES (1, 'ANN'), (4, 'DEE')) AS s(id, new_owner) WHERE s.id = acct.id AND acct.active RETURNING acct.id, acct.owner;
-- a table alias in UPDATE
UPDATE acct AS a SET balance = a.balance - 1 WHERE a.id = 1 RETURNING a.balance;
UPDATE acct AS a SET balance = 0 WHERE acct.id = 1;
-- DELETE
DELETE FROM acct WHERE id = 4;
DELETE FROM acct WHERE id = 4;
DELETE FROM acct WHERE balance < 0 OR owner IS NULL;
DELETE FROM acct WHERE id IN (SELECT acct_id FROM deposits WHERE amount > 6) RETURNING *;
-- unordered
DELETE FROM deposits RETURNING acct_id, amount * 2 AS doubled;
SELECT count(*) FROM deposits;
DELETE FROM acct WHERE nosuch = 1;
DELETE FROM acct WHERE id = 'x';
-- DELETE ... USING
-- optional
DELETE FROM swap USING acct WHERE acct.id = swap.id RETURNING swap.id;
-- deleting every row
DELETE FROM acct;
SELECT count(*) FROM acct;
-- updates of a table without a primary key
CREATE TABLE loose (a int, b text);
INSERT INTO loose VALUES (1, 'x'), (1, 'x'), (2, 'y');
UPDATE loose SET b = 'z' WHERE a = 1;
-- unordered
SELECT * FROM loose;
-- unordered
DELETE FROM loose WHERE b = 'z' RETURNING a;
DROP TABLE acct, swap, deposits, loose;

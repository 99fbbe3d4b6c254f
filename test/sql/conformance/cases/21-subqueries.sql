-- Subqueries in FROM and WHERE: IN, NOT IN (with its NULL trap), EXISTS, scalar subqueries,
-- ANY / ALL, correlated subqueries, and their errors.

CREATE TABLE c (id int PRIMARY KEY, name text, city text);
CREATE TABLE o (id int PRIMARY KEY, cust_id int, amount int);
INSERT INTO c VALUES (1, 'ann', 'oslo'), (2, 'bob', 'rome'), (3, 'cy', 'oslo'), (4, 'dee', NULL);
INSERT INTO o VALUES (100, 1, 50), (101, 1, 70), (102, 2, 20), (103, NULL, 99);
-- IN and NOT IN with a subquery
SELECT name FROM c WHERE id IN (SELECT cust_id FROM o) ORDER BY name;
SELECT name FROM c WHERE id NOT IN (SELECT cust_id FROM o WHERE cust_id IS NOT NULL) ORDER BY name;
-- NOT IN with a NULL in the subquery matches nothing
SELECT name FROM c WHERE id NOT IN (SELECT cust_id FROM o) ORDER BY name;
-- EXISTS and NOT EXISTS, correlated
SELECT name FROM c WHERE EXISTS (SELECT 1 FROM o WHERE o.cust_id = c.id) ORDER BY name;
SELECT name FROM c WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.cust_id = c.id) ORDER BY name;
SELECT EXISTS (SELECT 1 FROM o WHERE amount > 90) AS any_big, EXISTS (SELECT 1 FROM o WHERE false) AS none;
-- scalar subqueries: one value, NULL when empty, an error when more than one row
SELECT name, (SELECT sum(amount) FROM o WHERE o.cust_id = c.id) AS spent FROM c ORDER BY name;
SELECT (SELECT amount FROM o WHERE id = 999) AS missing;
SELECT (SELECT amount FROM o) AS too_many;
SELECT (SELECT id, amount FROM o WHERE id = 100) AS two_columns;
-- a scalar subquery in WHERE
SELECT id FROM o WHERE amount > (SELECT avg(amount) FROM o) ORDER BY id;
SELECT id FROM o WHERE amount = (SELECT max(amount) FROM o WHERE o.cust_id IS NOT NULL);
-- correlated subquery referring to the outer row in the select list and WHERE
SELECT o.id, (SELECT name FROM c WHERE c.id = o.cust_id) AS who FROM o ORDER BY o.id;
SELECT o1.id FROM o o1 WHERE o1.amount = (SELECT max(o2.amount) FROM o o2 WHERE o2.cust_id = o1.cust_id) ORDER BY o1.id;
SELECT c.name FROM c WHERE (SELECT count(*) FROM o WHERE o.cust_id = c.id) >= 2;
-- ANY / ALL with subqueries
SELECT id FROM o WHERE amount > ALL (SELECT amount FROM o WHERE cust_id = 1) ORDER BY id;
SELECT id FROM o WHERE amount = ANY (SELECT amount FROM o WHERE amount < 60) ORDER BY id;
SELECT id FROM o WHERE amount < SOME (SELECT 30) ORDER BY id;
SELECT 1 > ALL (SELECT NULL::int) AS all_null, 1 > ALL (SELECT 1 WHERE false) AS all_empty;
-- subqueries in FROM, with aliases and column aliases
SELECT t.city, t.n FROM (SELECT city, count(*) AS n FROM c GROUP BY city) AS t WHERE t.n > 1;
SELECT x.a + x.b AS s FROM (SELECT 1, 2) AS x(a, b);
SELECT * FROM (SELECT id, amount FROM o WHERE amount > 40) big ORDER BY amount DESC;
SELECT avg(total) AS avg_total FROM (SELECT cust_id, sum(amount) AS total FROM o GROUP BY cust_id) t;
-- nested subqueries
SELECT name FROM c WHERE id IN (SELECT cust_id FROM o WHERE amount > (SELECT min(amount) FROM o)) ORDER BY name;
-- IN with a multi-column subquery
SELECT name FROM c WHERE (id, city) IN (SELECT 1, 'oslo') ORDER BY name;
-- subquery errors: wrong column count, unknown column inside, outer reference typo
SELECT name FROM c WHERE id IN (SELECT id, cust_id FROM o);
SELECT name FROM c WHERE id IN (SELECT nosuch FROM o);
SELECT name FROM c WHERE EXISTS (SELECT 1 FROM o WHERE o.cust_id = cc.id);
SELECT * FROM (SELECT 1 AS a) AS t WHERE t.b = 1;
-- a subquery's alias hides the inner table name
SELECT o.id FROM (SELECT * FROM o) AS sub;
-- IN with a subquery of another type
SELECT name FROM c WHERE id IN (SELECT name FROM c);
SELECT name FROM c WHERE id IN (SELECT amount::numeric / 50 FROM o) ORDER BY name;
-- a scalar subquery used as a value in INSERT and ORDER BY
CREATE TABLE totals (cust int, total int);
INSERT INTO totals SELECT id, (SELECT coalesce(sum(amount), 0) FROM o WHERE cust_id = c.id) FROM c;
SELECT cust, total FROM totals ORDER BY (SELECT name FROM c WHERE c.id = totals.cust) DESC;
DROP TABLE c, o, totals;

-- EXPLAIN: plans differ from PostgreSQL's by design, so only success (or the error code) is
-- compared; EXPLAIN without ANALYZE must not run the statement.

CREATE TABLE ex (id int PRIMARY KEY, v text, n int);
INSERT INTO ex SELECT g, 'v' || g, g % 7 FROM generate_series(1, 50) g;
CREATE INDEX ex_n ON ex (n);
EXPLAIN SELECT * FROM ex;
EXPLAIN SELECT * FROM ex WHERE id = 7;
EXPLAIN SELECT * FROM ex WHERE id BETWEEN 5 AND 9 ORDER BY id;
EXPLAIN SELECT v FROM ex WHERE n = 3;
EXPLAIN SELECT n, count(*) FROM ex GROUP BY n ORDER BY n;
EXPLAIN SELECT a.id FROM ex a JOIN ex b ON a.n = b.id WHERE b.v LIKE 'v1%';
EXPLAIN SELECT * FROM ex ORDER BY v LIMIT 5;
EXPLAIN SELECT id FROM ex UNION SELECT n FROM ex;
EXPLAIN WITH c AS (SELECT n FROM ex) SELECT count(*) FROM c;
EXPLAIN SELECT * FROM ex WHERE id IN (SELECT n FROM ex WHERE v = 'v1');
EXPLAIN VALUES (1), (2);
-- EXPLAIN of data-changing statements does not change anything
EXPLAIN INSERT INTO ex VALUES (1000, 'x', 0);
EXPLAIN UPDATE ex SET v = 'changed' WHERE id = 1;
EXPLAIN DELETE FROM ex;
SELECT count(*) AS rows, bool_or(v = 'changed') AS any_changed, max(id) AS max_id FROM ex;
-- errors are reported as for the statement itself
EXPLAIN SELECT * FROM nosuchtable;
EXPLAIN SELECT nosuch FROM ex;
EXPLAIN SELEC 1;
EXPLAIN SELECT 1 +;
EXPLAIN INSERT INTO ex VALUES ('x');
-- EXPLAIN ANALYZE runs the statement
-- optional
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ex;
-- EXPLAIN with options
-- optional
EXPLAIN (COSTS OFF) SELECT * FROM ex WHERE id = 1;
-- EXPLAIN inside a transaction
BEGIN;
EXPLAIN SELECT * FROM ex;
COMMIT;
DROP TABLE ex;

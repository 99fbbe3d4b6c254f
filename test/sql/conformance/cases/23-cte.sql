-- WITH: simple CTEs, a CTE referenced twice, CTEs referring to earlier ones, column lists,
-- shadowing, data-modifying and recursive CTEs (beyond the issue, marked optional).

CREATE TABLE nums (n int PRIMARY KEY, grp text);
INSERT INTO nums VALUES (1, 'odd'), (2, 'even'), (3, 'odd'), (4, 'even'), (5, 'odd');
WITH odd AS (SELECT n FROM nums WHERE grp = 'odd') SELECT n FROM odd ORDER BY n;
-- referenced twice
WITH odd AS (SELECT n FROM nums WHERE grp = 'odd') SELECT a.n AS a, b.n AS b FROM odd a JOIN odd b ON b.n = a.n + 2 ORDER BY a.n;
WITH s AS (SELECT sum(n) AS total FROM nums) SELECT (SELECT total FROM s) AS t1, (SELECT total FROM s) * 2 AS t2;
-- several CTEs, the later using the earlier
WITH a AS (SELECT n FROM nums WHERE n > 1), b AS (SELECT n * 10 AS m FROM a WHERE n < 5) SELECT m FROM b ORDER BY m;
-- column aliases
WITH t(x, y) AS (SELECT n, grp FROM nums WHERE n <= 2) SELECT x, y FROM t ORDER BY x;
WITH t(x, y, z) AS (SELECT n, grp FROM nums) SELECT * FROM t;
-- a CTE shadows a table of the same name
WITH nums AS (SELECT 42 AS n) SELECT n FROM nums;
-- CTE with aggregates and grouping, used in a join
WITH per AS (SELECT grp, count(*) AS c, sum(n) AS s FROM nums GROUP BY grp) SELECT nums.n, per.c, per.s FROM nums JOIN per USING (grp) ORDER BY nums.n;
-- a CTE used in a subquery in WHERE
WITH big AS (SELECT n FROM nums WHERE n >= 4) SELECT n FROM nums WHERE n NOT IN (SELECT n FROM big) ORDER BY n;
-- a CTE with VALUES
WITH v(k, label) AS (VALUES (1, 'a'), (2, 'b')) SELECT label FROM v WHERE k = 2;
-- a CTE that is never used is still checked
WITH unused AS (SELECT nosuch FROM nums) SELECT 1;
-- errors: a CTE name used twice, an unknown CTE, a forward reference
WITH a AS (SELECT 1), a AS (SELECT 2) SELECT * FROM a;
WITH a AS (SELECT 1 AS x) SELECT * FROM b;
WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a;
-- a CTE in INSERT ... SELECT and in UPDATE
CREATE TABLE copy (n int, grp text);
INSERT INTO copy WITH e AS (SELECT n, grp FROM nums WHERE grp = 'even') SELECT n, grp FROM e;
SELECT n, grp FROM copy ORDER BY n;
WITH targets AS (SELECT 2 AS n) UPDATE copy SET grp = 'EVEN' FROM targets WHERE copy.n = targets.n RETURNING copy.n, copy.grp;
-- data-modifying CTE
-- optional
WITH moved AS (DELETE FROM copy WHERE n = 4 RETURNING n) SELECT count(*) AS moved FROM moved;
-- recursive CTE
-- optional
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 5) SELECT sum(i) FROM r;
-- optional
WITH RECURSIVE fib(a, b) AS (SELECT 0::bigint, 1::bigint UNION ALL SELECT b, a + b FROM fib WHERE b < 100) SELECT a FROM fib ORDER BY a;
-- a CTE referencing itself without RECURSIVE
WITH r AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM r WHERE i < 3) SELECT * FROM r;
-- MATERIALIZED hints are accepted
-- optional
WITH m AS MATERIALIZED (SELECT n FROM nums WHERE n = 1) SELECT n FROM m;
DROP TABLE nums, copy;

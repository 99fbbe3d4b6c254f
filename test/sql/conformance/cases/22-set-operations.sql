-- UNION / INTERSECT / EXCEPT [ALL]: duplicates, NULLs, column names, type resolution,
-- precedence, ORDER BY / LIMIT on the result, and mismatch errors.

CREATE TABLE a (x int, y text);
CREATE TABLE b (x int, y text);
INSERT INTO a VALUES (1, 'one'), (2, 'two'), (2, 'two'), (NULL, 'null'), (3, 'three');
INSERT INTO b VALUES (2, 'two'), (3, 'drei'), (NULL, 'null'), (4, 'four'), (2, 'two');
SELECT x, y FROM a UNION SELECT x, y FROM b ORDER BY x NULLS FIRST, y;
SELECT x, y FROM a UNION ALL SELECT x, y FROM b ORDER BY x NULLS FIRST, y;
SELECT x, y FROM a INTERSECT SELECT x, y FROM b ORDER BY x NULLS FIRST;
SELECT x, y FROM a INTERSECT ALL SELECT x, y FROM b ORDER BY x NULLS FIRST;
SELECT x, y FROM a EXCEPT SELECT x, y FROM b ORDER BY x;
SELECT x, y FROM a EXCEPT ALL SELECT x, y FROM b ORDER BY x;
SELECT x, y FROM b EXCEPT ALL SELECT x, y FROM a ORDER BY x;
-- unordered
SELECT x FROM a UNION SELECT x FROM b;
-- NULLs count as equal in set operations
SELECT NULL::int AS n UNION SELECT NULL::int;
SELECT NULL::int AS n INTERSECT SELECT NULL::int;
-- column names come from the first branch
SELECT 1 AS first_name UNION ALL SELECT 2 AS second_name ORDER BY first_name;
SELECT 1 AS k UNION ALL SELECT 2 ORDER BY second_name;
-- type resolution across branches
SELECT 1 AS v UNION ALL SELECT 2.5 ORDER BY v;
SELECT 1::smallint AS v UNION ALL SELECT 2::bigint ORDER BY v;
SELECT 'a' AS v UNION ALL SELECT 'b' ORDER BY v;
SELECT 1 AS v UNION ALL SELECT NULL ORDER BY v;
-- unordered
SELECT NULL AS v UNION ALL SELECT NULL;
-- unordered
SELECT 1.5 AS v UNION ALL SELECT 1.5::float8;
SELECT 'abc'::varchar(3) AS v UNION ALL SELECT 'de'::char(2) ORDER BY v;
SELECT '2024-01-01'::date AS v UNION ALL SELECT '2024-01-02 12:00'::timestamp ORDER BY v;
SELECT 1 AS v UNION SELECT 'a';
SELECT 1 AS v UNION SELECT '2' ORDER BY v;
SELECT 1 AS v UNION SELECT true;
SELECT 'x'::text AS v UNION SELECT 1;
SELECT '2024-01-01'::date UNION SELECT 1;
-- branches must have the same number of columns
SELECT 1, 2 UNION SELECT 1;
SELECT 1 INTERSECT SELECT 1, 2;
-- INTERSECT binds tighter than UNION and EXCEPT
SELECT 1 AS v UNION SELECT 2 INTERSECT SELECT 3 ORDER BY v;
(SELECT 1 AS v UNION SELECT 2) INTERSECT SELECT 2;
SELECT 1 AS v UNION ALL SELECT 1 EXCEPT SELECT 2 ORDER BY v;
-- ORDER BY and LIMIT apply to the whole result; parenthesised branches take their own
SELECT x FROM a UNION SELECT x FROM b ORDER BY x DESC NULLS LAST LIMIT 2;
(SELECT x FROM a ORDER BY x LIMIT 1) UNION ALL (SELECT x FROM b ORDER BY x DESC NULLS LAST LIMIT 1);
SELECT x FROM a UNION SELECT x FROM b ORDER BY 1 NULLS FIRST;
-- ORDER BY on a union only sees output columns
SELECT x FROM a UNION SELECT x FROM b ORDER BY y;
SELECT x FROM a UNION SELECT x FROM b ORDER BY x + 1;
-- set operations in subqueries and with aggregates
SELECT count(*) FROM (SELECT x FROM a UNION SELECT x FROM b) AS u;
SELECT count(*) FROM (SELECT x FROM a UNION ALL SELECT x FROM b) AS u;
SELECT y FROM a WHERE x IN (SELECT x FROM b INTERSECT SELECT 3) ORDER BY y;
SELECT max(x) FROM a UNION ALL SELECT min(x) FROM b ORDER BY 1;
-- with VALUES
VALUES (1), (2) UNION VALUES (2), (3) ORDER BY 1;
SELECT x FROM a EXCEPT VALUES (1), (2), (NULL) ORDER BY x;
-- a missing table in any branch
SELECT x FROM a UNION SELECT x FROM nosuchtable;
DROP TABLE a, b;

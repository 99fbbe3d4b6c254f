-- ORDER BY (directions, NULLS FIRST / LAST, positions, expressions, aliases), LIMIT / OFFSET,
-- DISTINCT (and DISTINCT ON, which pgz may not support).

CREATE TABLE s (id int PRIMARY KEY, grp text, val int, note text);
INSERT INTO s VALUES (1, 'b', 3, 'x'), (2, 'a', NULL, 'y'), (3, 'b', 1, NULL), (4, NULL, 2, 'x'), (5, 'a', 3, 'z'), (6, 'c', NULL, NULL);
-- NULLs sort last ascending and first descending
SELECT id, val FROM s ORDER BY val, id;
SELECT id, val FROM s ORDER BY val DESC, id;
SELECT id, val FROM s ORDER BY val NULLS FIRST, id;
SELECT id, val FROM s ORDER BY val DESC NULLS LAST, id;
SELECT id, val FROM s ORDER BY val ASC NULLS LAST, id DESC;
-- several keys with mixed directions
SELECT grp, val, id FROM s ORDER BY grp DESC NULLS LAST, val ASC NULLS FIRST, id;
-- by output position, alias and expression
SELECT id, val * -1 AS neg FROM s ORDER BY 2, 1;
SELECT id, val * -1 AS neg FROM s ORDER BY neg NULLS FIRST, id;
SELECT id FROM s ORDER BY coalesce(val, 0) + id DESC;
SELECT id, grp FROM s ORDER BY length(note) NULLS FIRST, id;
-- by a column that is not selected
SELECT id FROM s ORDER BY note, id;
-- ORDER BY position out of range, unknown column
SELECT id FROM s ORDER BY 2;
SELECT id FROM s ORDER BY 0;
SELECT id FROM s ORDER BY nosuch;
-- an alias cannot be used inside an expression
SELECT id AS k FROM s ORDER BY k + 1;
-- ordering booleans and text
SELECT id, val > 2 AS big FROM s ORDER BY big NULLS FIRST, id;
SELECT DISTINCT note FROM s ORDER BY note;
-- LIMIT and OFFSET
SELECT id FROM s ORDER BY id LIMIT 2;
SELECT id FROM s ORDER BY id LIMIT 2 OFFSET 2;
SELECT id FROM s ORDER BY id OFFSET 4;
SELECT id FROM s ORDER BY id OFFSET 100;
SELECT id FROM s ORDER BY id LIMIT 0;
SELECT id FROM s ORDER BY id LIMIT ALL;
SELECT id FROM s ORDER BY id LIMIT NULL;
SELECT id FROM s ORDER BY id LIMIT 2 + 1;
SELECT id FROM s ORDER BY id FETCH FIRST 2 ROWS ONLY;
SELECT id FROM s ORDER BY id OFFSET 1 ROWS FETCH NEXT 1 ROW ONLY;
SELECT id FROM s ORDER BY id LIMIT -1;
SELECT id FROM s ORDER BY id OFFSET -1;
SELECT id FROM s LIMIT 'a';
SELECT id FROM s ORDER BY id LIMIT 1.5;
-- LIMIT applies after ORDER BY
SELECT id, val FROM s ORDER BY val DESC NULLS LAST, id LIMIT 3;
-- DISTINCT treats NULLs as equal
-- unordered
SELECT DISTINCT grp FROM s;
-- unordered
SELECT DISTINCT grp, note FROM s;
SELECT count(DISTINCT grp) AS groups, count(grp) AS non_null FROM s;
SELECT DISTINCT val FROM s ORDER BY val NULLS FIRST;
-- DISTINCT with ORDER BY needs the sort keys in the select list
SELECT DISTINCT grp FROM s ORDER BY val;
-- DISTINCT ALL is plain SELECT
SELECT ALL grp FROM s ORDER BY id;
-- DISTINCT ON keeps the first row of each group
-- optional
SELECT DISTINCT ON (grp) grp, id, val FROM s ORDER BY grp, val DESC NULLS LAST, id;
-- ordering of mixed-case text and numbers stored as text
SELECT x FROM (VALUES ('10'), ('9'), ('Z'), ('a'), ('A'), (NULL), ('')) AS v(x) ORDER BY x;
SELECT x FROM (VALUES (10), (9), (-1), (NULL)) AS v(x) ORDER BY x DESC;
-- ordering numeric, float and dates
SELECT x FROM (VALUES (1.10), (1.1), (-0.5), (1e2)) AS v(x) ORDER BY x, x::text;
SELECT x FROM (VALUES ('NaN'::float8), ('Infinity'), ('-Infinity'), (0), (NULL)) AS v(x) ORDER BY x;
SELECT x FROM (VALUES ('2024-01-02'::date), ('infinity'), ('1999-12-31'), ('-infinity')) AS v(x) ORDER BY x DESC;
DROP TABLE s;

-- Joins: inner, left, right, full, cross; ON, USING and NATURAL; NULL keys never match;
-- conditions in ON versus WHERE; ambiguity errors.

CREATE TABLE dept (id int PRIMARY KEY, name text);
CREATE TABLE emp (id int PRIMARY KEY, name text, dept_id int, boss_id int);
INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty');
INSERT INTO emp VALUES (10, 'ann', 1, NULL), (11, 'bob', 1, 10), (12, 'cy', 2, 10), (13, 'dee', NULL, 11), (14, 'eve', 9, NULL);
-- inner join
SELECT e.name, d.name FROM emp e JOIN dept d ON e.dept_id = d.id ORDER BY e.name;
SELECT e.name, d.name FROM emp e INNER JOIN dept d ON d.id = e.dept_id WHERE d.name = 'eng' ORDER BY e.name;
-- left join keeps unmatched left rows with NULLs
SELECT e.name, d.name AS dept FROM emp e LEFT JOIN dept d ON e.dept_id = d.id ORDER BY e.name;
-- right join keeps unmatched right rows
SELECT e.name, d.name AS dept FROM emp e RIGHT JOIN dept d ON e.dept_id = d.id ORDER BY d.name, e.name;
-- full join keeps both sides
SELECT e.name, d.name AS dept FROM emp e FULL JOIN dept d ON e.dept_id = d.id ORDER BY e.name NULLS LAST, d.name;
SELECT e.name, d.name AS dept FROM emp e FULL OUTER JOIN dept d ON e.dept_id = d.id WHERE e.id IS NULL OR d.id IS NULL ORDER BY e.name NULLS FIRST, d.name;
-- cross join and the comma form
SELECT count(*) FROM emp CROSS JOIN dept;
SELECT count(*) FROM emp, dept;
SELECT e.name, d.name FROM emp e, dept d WHERE e.dept_id = d.id AND d.id = 2;
-- NULL keys never match, not even each other
CREATE TABLE l (k int, lv text);
CREATE TABLE r (k int, rv text);
INSERT INTO l VALUES (1, 'l1'), (NULL, 'lnull'), (2, 'l2');
INSERT INTO r VALUES (1, 'r1'), (NULL, 'rnull'), (3, 'r3'), (1, 'r1b');
SELECT lv, rv FROM l JOIN r ON l.k = r.k ORDER BY lv, rv;
SELECT lv, rv FROM l LEFT JOIN r ON l.k = r.k ORDER BY lv, rv;
SELECT lv, rv FROM l FULL JOIN r ON l.k = r.k ORDER BY lv NULLS LAST, rv NULLS LAST;
SELECT lv, rv FROM l JOIN r ON l.k IS NOT DISTINCT FROM r.k ORDER BY lv, rv;
-- a condition in ON filters the right side; in WHERE it filters the result
SELECT lv, rv FROM l LEFT JOIN r ON l.k = r.k AND r.rv = 'r1b' ORDER BY lv;
SELECT lv, rv FROM l LEFT JOIN r ON l.k = r.k WHERE r.rv = 'r1b' ORDER BY lv;
-- anti-join through LEFT JOIN ... IS NULL
SELECT d.name FROM dept d LEFT JOIN emp e ON e.dept_id = d.id WHERE e.id IS NULL;
-- USING merges the join column
SELECT k, lv, rv FROM l JOIN r USING (k) ORDER BY lv, rv;
SELECT * FROM l JOIN r USING (k) ORDER BY lv, rv;
SELECT k, lv, rv FROM l FULL JOIN r USING (k) ORDER BY k NULLS LAST, lv NULLS LAST, rv NULLS LAST;
-- NATURAL join on the common column name
SELECT * FROM l NATURAL JOIN r ORDER BY lv, rv;
-- self join
SELECT e.name AS employee, b.name AS boss FROM emp e LEFT JOIN emp b ON e.boss_id = b.id ORDER BY e.name;
-- three tables
SELECT e.name, b.name AS boss, d.name AS dept FROM emp e JOIN emp b ON e.boss_id = b.id JOIN dept d ON d.id = b.dept_id ORDER BY e.name;
-- joins with aggregates
SELECT d.name, count(e.id) AS staff FROM dept d LEFT JOIN emp e ON e.dept_id = d.id GROUP BY d.name ORDER BY d.name;
-- join on an expression and a non-equality
SELECT e.name, d.name FROM emp e JOIN dept d ON e.dept_id + 1 = d.id ORDER BY e.name;
SELECT count(*) FROM emp e JOIN dept d ON e.dept_id < d.id;
-- join with a subquery and with VALUES
SELECT e.name, x.label FROM emp e JOIN (VALUES (1, 'one'), (2, 'two')) AS x(id, label) ON x.id = e.dept_id ORDER BY e.name;
SELECT e.name, c.n FROM emp e JOIN (SELECT dept_id, count(*) AS n FROM emp GROUP BY dept_id) c ON c.dept_id = e.dept_id ORDER BY e.name;
-- errors: ambiguous column, missing FROM entry, unknown column in ON, USING a missing column
SELECT name FROM emp JOIN dept ON emp.dept_id = dept.id;
SELECT id FROM emp, dept;
SELECT emp.name FROM emp JOIN dept ON nosuch.id = emp.dept_id;
SELECT emp.name FROM emp JOIN dept ON dept.nosuch = emp.dept_id;
SELECT * FROM l JOIN r USING (lv);
SELECT emp.name FROM emp e;
SELECT * FROM emp JOIN dept;
SELECT * FROM emp e JOIN dept e ON true;
-- the ON condition must be boolean
SELECT * FROM emp JOIN dept ON 1;
-- a join of a table with itself without aliases
SELECT * FROM emp JOIN emp ON true;
-- LATERAL
-- optional
SELECT d.name, t.first FROM dept d CROSS JOIN LATERAL (SELECT min(e.name) AS first FROM emp e WHERE e.dept_id = d.id) t ORDER BY d.name;
DROP TABLE dept, emp, l, r;

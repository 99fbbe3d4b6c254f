-- VALUES as a statement and in FROM (type resolution across rows), and generate_series over
-- integers, numerics and timestamps.

VALUES (1, 'a'), (2, 'b');
VALUES (1), (2.5), (NULL);
VALUES ('1'), ('x');
VALUES (1), ('2');
VALUES (1), ('x');
VALUES (1, 2), (3);
VALUES (1), (true);
VALUES (NULL), (NULL);
VALUES ('2024-01-01'::date), ('2024-01-02');
VALUES (1::smallint), (100000);
VALUES (1) ORDER BY 1 DESC;
VALUES (3), (1), (2) ORDER BY column1 LIMIT 2;
SELECT * FROM (VALUES (1, 'one'), (2, 'two')) AS t(num, word) WHERE num > 1;
SELECT column1, column2 FROM (VALUES (1, 'a')) AS t;
SELECT * FROM (VALUES (1, 2)) AS t(a);
SELECT * FROM (VALUES (1, 2)) AS t(a, b, c);
SELECT sum(v) FROM (VALUES (1), (2), (NULL), (4)) AS t(v);
-- generate_series over integers
SELECT generate_series(1, 5);
SELECT * FROM generate_series(1, 10, 3);
SELECT * FROM generate_series(5, 1);
SELECT * FROM generate_series(5, 1, -2);
SELECT * FROM generate_series(1, 1);
SELECT * FROM generate_series(1, NULL);
SELECT * FROM generate_series(1, 3, 0);
SELECT * FROM generate_series(2147483646, 2147483647);
SELECT * FROM generate_series(9223372036854775806, 9223372036854775807);
-- the column is named after the function, or the alias
SELECT g FROM generate_series(1, 3) AS g;
SELECT g.i FROM generate_series(1, 3) AS g(i) WHERE g.i <> 2;
SELECT n * n AS square FROM generate_series(1, 4) AS n ORDER BY square DESC;
-- numeric and timestamp series
SELECT * FROM generate_series(0.5, 2, 0.5);
SELECT * FROM generate_series('2024-01-30'::timestamp, '2024-02-02', '1 day');
SELECT * FROM generate_series('2024-01-31'::timestamp, '2024-05-01', '1 month');
SELECT * FROM generate_series('2024-03-09 00:00+00'::timestamptz, '2024-03-09 02:00+00', '30 minutes');
SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-02', '0 days');
-- aggregates and joins over a series
SELECT count(*), sum(g), min(g), max(g) FROM generate_series(1, 1000) AS g;
SELECT a.g AS a, b.g AS b FROM generate_series(1, 2) a(g) CROSS JOIN generate_series(10, 11) b(g) ORDER BY a, b;
SELECT g % 3 AS r, count(*) FROM generate_series(1, 10) g GROUP BY g % 3 ORDER BY r;
-- a series in the select list multiplies rows
SELECT x, generate_series(1, x) AS s FROM (VALUES (1), (2)) AS v(x) ORDER BY x, s;
-- argument types: unknown literals, a bad literal, numeric
SELECT * FROM generate_series('a', 'b');
SELECT * FROM generate_series(1, 'b');
SELECT * FROM generate_series(1.5, 3);
-- filling a table from a series
CREATE TABLE filled (id int PRIMARY KEY, sq int);
INSERT INTO filled SELECT g, g * g FROM generate_series(1, 100) g;
SELECT count(*), sum(sq) FROM filled;
SELECT id, sq FROM filled WHERE id BETWEEN 48 AND 50 ORDER BY id;
DROP TABLE filled;

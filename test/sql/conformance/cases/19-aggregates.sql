-- Aggregates (count, sum, avg, min, max, bool_and, bool_or, string_agg), GROUP BY on columns,
-- expressions and positions, HAVING with and without GROUP BY, and grouping errors.

CREATE TABLE sales (id int PRIMARY KEY, region text, product text, qty int, price numeric(8,2), ok boolean, big bigint);
INSERT INTO sales VALUES
  (1, 'north', 'apple', 10, 1.50, true, 9223372036854775807),
  (2, 'north', 'pear', 5, 2.00, true, 1),
  (3, 'south', 'apple', NULL, 1.25, false, 1),
  (4, 'south', 'apple', 7, NULL, true, NULL),
  (5, 'east', 'plum', 1, 3.33, NULL, 0),
  (6, NULL, 'pear', 2, 2.50, false, 5);
-- aggregate result types: count bigint, sum(int) bigint, sum(bigint) numeric, avg(int) numeric
SELECT count(*) AS rows, count(qty) AS qtys, sum(qty) AS total, avg(qty) AS average, min(qty) AS lo, max(qty) AS hi, sum(big) AS big_sum FROM sales;
SELECT sum(price) AS total, avg(price) AS average, min(price), max(price) FROM sales;
SELECT sum(qty::float8) AS f_sum, avg(qty::float8) AS f_avg, sum(qty::smallint) AS s_sum, avg(1.0::real) AS r_avg FROM sales;
-- over no rows: count is 0, the others NULL
SELECT count(*), count(qty), sum(qty), avg(qty), min(qty), max(qty), bool_and(ok), bool_or(ok), string_agg(product, ',') FROM sales WHERE false;
-- over only NULLs
SELECT count(qty), sum(qty), avg(qty), max(qty) FROM sales WHERE qty IS NULL;
-- bool_and, bool_or ignore NULLs
SELECT bool_and(ok) AS all_ok, bool_or(ok) AS any_ok FROM sales;
SELECT bool_and(ok) AS all_ok, bool_or(ok) AS any_ok FROM sales WHERE ok;
SELECT bool_and(qty > 0) AS positive, bool_or(qty > 9) AS one_big FROM sales;
-- string_agg, with and without ORDER BY inside
SELECT string_agg(product, ', ' ORDER BY product, id) AS products FROM sales;
SELECT string_agg(DISTINCT product, '|' ORDER BY product) AS distinct_products FROM sales;
SELECT string_agg(region, '-' ORDER BY id) AS with_nulls_skipped FROM sales;
SELECT string_agg(product, NULL ORDER BY id) AS null_delimiter FROM sales;
SELECT string_agg(qty, ',') FROM sales;
-- count(DISTINCT ...) and sum(DISTINCT ...)
SELECT count(DISTINCT product) AS products, count(DISTINCT region) AS regions, sum(DISTINCT qty) AS distinct_qty FROM sales;
-- min and max on text, dates and booleans
SELECT min(product), max(product), min(region), max(region) FROM sales;
SELECT min(d), max(d) FROM (VALUES ('2024-02-01'::date), ('2023-12-31'), (NULL)) AS v(d);
SELECT max(ok) FROM sales;
-- GROUP BY a column; NULL forms its own group
SELECT region, count(*) AS n, sum(qty) AS q FROM sales GROUP BY region ORDER BY region NULLS FIRST;
-- GROUP BY several columns
SELECT region, product, count(*) FROM sales GROUP BY region, product ORDER BY region, product;
-- GROUP BY an expression, a position and an output alias
SELECT upper(product) AS p, count(*) FROM sales GROUP BY upper(product) ORDER BY p;
SELECT product, sum(qty) FROM sales GROUP BY 1 ORDER BY 1;
SELECT qty > 5 AS large, count(*) FROM sales GROUP BY large ORDER BY large NULLS LAST;
SELECT coalesce(region, '?') AS r, max(price) FROM sales GROUP BY coalesce(region, '?') ORDER BY r;
-- an expression over a grouped column is fine
SELECT region || '!' AS loud, count(*) FROM sales GROUP BY region ORDER BY loud;
-- grouping by the primary key makes every column available
SELECT id, region, sum(qty) FROM sales GROUP BY id ORDER BY id LIMIT 2;
-- HAVING
SELECT product, sum(qty) AS q FROM sales GROUP BY product HAVING sum(qty) > 5 ORDER BY product;
SELECT product FROM sales GROUP BY product HAVING count(*) > 1 AND max(price) > 2 ORDER BY product;
SELECT region FROM sales GROUP BY region HAVING region LIKE 's%';
-- HAVING without GROUP BY treats the table as one group
SELECT count(*) FROM sales HAVING count(*) > 3;
SELECT count(*) FROM sales HAVING count(*) > 100;
SELECT 'yes' AS any_rows HAVING true;
-- aggregates in expressions and ORDER BY
SELECT region, sum(qty) * 2 + 1 AS calc, round(avg(price), 2) AS avg_price FROM sales GROUP BY region ORDER BY sum(qty) DESC NULLS LAST, region;
SELECT product, count(*) FROM sales GROUP BY product ORDER BY count(*) DESC, product;
-- integer vs numeric averages
SELECT avg(x) AS int_avg, avg(x::numeric) AS num_avg, sum(x) / count(x) AS int_div FROM (VALUES (1), (2), (2)) AS v(x);
-- grouping errors; an input column wins over an output alias of the same name
SELECT qty > 5 AS big, count(*) FROM sales GROUP BY big;
SELECT region, product FROM sales GROUP BY region;
SELECT region, count(*) FROM sales;
SELECT id FROM sales HAVING count(*) > 1;
SELECT count(*) FROM sales WHERE count(*) > 1;
SELECT sum(count(*)) FROM sales;
SELECT count(*) FROM sales GROUP BY 9;
SELECT sum(product) FROM sales;
SELECT avg(ok) FROM sales;
SELECT product FROM sales GROUP BY nosuch;
-- aggregating an aggregate via a subquery
SELECT max(n) AS busiest FROM (SELECT region, count(*) AS n FROM sales GROUP BY region) AS per_region;
-- count(*) vs count(1) vs count(col)
SELECT count(*) AS star, count(1) AS one, count(region) AS col, count(NULL::int) AS nulls FROM sales;
-- sum(bigint) is numeric, so it does not overflow
SELECT sum(big) + 1 AS big_plus FROM sales;
SELECT sum(x) FROM (VALUES (9223372036854775807::bigint), (1)) AS v(x);
-- aggregate FILTER
-- optional
SELECT count(*) FILTER (WHERE qty > 5) AS big_orders, sum(qty) FILTER (WHERE region = 'north') AS north FROM sales;
-- an empty group set with GROUP BY gives no rows
SELECT region, count(*) FROM sales WHERE false GROUP BY region;
DROP TABLE sales;

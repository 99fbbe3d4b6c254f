-- boolean input and output, three-valued logic, NULL in every kind of operator, CASE,
-- COALESCE and NULLIF.

CREATE TABLE tv (a boolean, b boolean);
INSERT INTO tv VALUES (true, true), (true, false), (true, NULL), (false, false), (false, NULL), (NULL, NULL);
-- AND, OR, NOT truth tables with unknown
SELECT a, b, a AND b AS "and", a OR b AS "or", NOT a AS "not a" FROM tv ORDER BY a NULLS LAST, b NULLS LAST;
-- IS TRUE / IS FALSE / IS UNKNOWN never return NULL
SELECT a, a IS TRUE AS t, a IS NOT TRUE AS nt, a IS FALSE AS f, a IS NOT FALSE AS nf, a IS UNKNOWN AS u, a IS NULL AS n FROM tv WHERE b IS NULL ORDER BY a NULLS LAST;
-- WHERE keeps only true rows
SELECT count(*) AS and_true FROM tv WHERE a AND b;
SELECT count(*) AS not_and FROM tv WHERE NOT (a AND b);
-- boolean input spellings
SELECT 't'::boolean AS a, 'TRUE'::boolean AS b, 'yes'::boolean AS c, 'on'::boolean AS d, '1'::boolean AS e, 'f'::boolean AS f, 'No'::boolean AS g, 'off'::boolean AS h, '0'::boolean AS i, ' true '::boolean AS j;
SELECT 'maybe'::boolean;
SELECT ''::boolean;
-- boolean ordering: false < true
SELECT a FROM tv GROUP BY a ORDER BY a;
-- comparisons with NULL are unknown
SELECT NULL = NULL AS eq, NULL <> 1 AS ne, 1 < NULL AS lt, NULL IS NULL AS isnull, NULL::int IS NOT NULL AS notnull;
-- IS DISTINCT FROM treats NULL as a value
SELECT 1 IS DISTINCT FROM NULL AS a, NULL IS DISTINCT FROM NULL AS b, 1 IS NOT DISTINCT FROM 1 AS c, NULL IS NOT DISTINCT FROM NULL AS d;
-- IN with NULL: true if found, otherwise unknown
SELECT 1 IN (1, NULL) AS found, 2 IN (1, NULL) AS unknown, 2 NOT IN (1, NULL) AS not_in_unknown, NULL IN (1, 2) AS null_in, 3 NOT IN (1, 2) AS not_in;
-- arithmetic and functions with NULL
SELECT 1 + NULL AS plus, NULL * 0 AS times, -NULL::int AS neg, abs(NULL::int) AS abs_null, NULL::int / 0 AS div_null;
-- BETWEEN with NULL bounds
SELECT 5 BETWEEN 1 AND NULL AS a, 5 BETWEEN NULL AND 4 AS b, NULL BETWEEN 1 AND 2 AS c;
-- CASE: searched and simple forms, no ELSE gives NULL, NULL never matches in the simple form
SELECT x, CASE WHEN x > 1 THEN 'big' WHEN x = 1 THEN 'one' ELSE 'small' END AS searched, CASE x WHEN 1 THEN 'one' WHEN 2 THEN 'two' END AS simple, CASE NULL WHEN NULL THEN 'matched' ELSE 'no match' END AS null_case FROM (VALUES (0), (1), (2), (NULL)) AS v(x) ORDER BY x NULLS FIRST;
-- CASE evaluates lazily: the division never runs
SELECT CASE WHEN 1 > 0 THEN 1 ELSE 1 / 0 END AS lazy;
-- CASE result types are unified
SELECT CASE WHEN true THEN 1 ELSE 2.5 END AS num, CASE WHEN false THEN 1 END AS only_null;
SELECT CASE WHEN true THEN 1 ELSE 'a' END;
SELECT CASE WHEN true THEN 1 ELSE false END;
-- the CASE condition must be boolean
SELECT CASE WHEN 1 THEN 'x' END;
-- COALESCE returns the first non-NULL argument and unifies types
SELECT COALESCE(NULL, NULL, 3) AS a, COALESCE(NULL::int, 2.5) AS b, COALESCE('x', NULL) AS c, COALESCE(NULL, NULL) AS d;
SELECT COALESCE(1, 'a');
SELECT COALESCE(1, true);
-- COALESCE is lazy too
SELECT COALESCE(1, 1 / 0) AS lazy;
-- NULLIF
SELECT NULLIF(1, 1) AS a, NULLIF(1, 2) AS b, NULLIF(NULL, 1) AS c, NULLIF('', '') AS d, NULLIF(0, 0.0) AS e;
-- a classic: avoid division by zero with NULLIF
SELECT 10 / NULLIF(0, 0) AS safe;
-- WHERE and NOT need booleans
SELECT 1 WHERE 1;
SELECT NOT 1;
SELECT 1 AND true;
-- a boolean compared with an integer
SELECT true = 1;
-- boolean columns in expressions and casts
SELECT a::text AS txt, a::int AS num FROM tv WHERE b IS NOT NULL AND a AND b;
SELECT 1::boolean AS one, 0::boolean AS zero, 5::boolean AS five;
DROP TABLE tv;

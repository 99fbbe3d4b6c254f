-- WHERE: comparisons, AND / OR / NOT, IN, BETWEEN, LIKE / ILIKE with escapes, IS [NOT] NULL,
-- CASE, and the type errors around them.

CREATE TABLE p (id int PRIMARY KEY, name text, qty int, price numeric(6,2), tag varchar(10));
INSERT INTO p VALUES (1, 'apple', 10, 1.50, 'fruit'), (2, 'Banana', 0, 0.25, 'fruit'), (3, 'carrot', NULL, 0.10, 'veg'), (4, '100% juice', 5, 3.00, NULL), (5, 'a_b', 7, NULL, 'misc'), (6, 'back\slash', 1, 2.00, 'misc'), (7, '', 2, 0.00, '');
SELECT id FROM p WHERE qty > 5 ORDER BY id;
SELECT id FROM p WHERE qty >= 5 AND price < 2 ORDER BY id;
SELECT id FROM p WHERE qty = 0 OR price IS NULL ORDER BY id;
SELECT id FROM p WHERE NOT (qty > 5) ORDER BY id;
SELECT id FROM p WHERE qty <> 10 ORDER BY id;
-- precedence: AND binds tighter than OR
SELECT id FROM p WHERE qty = 10 OR qty = 5 AND price > 5 ORDER BY id;
SELECT id FROM p WHERE (qty = 10 OR qty = 5) AND price > 2 ORDER BY id;
-- IN and NOT IN lists
SELECT id FROM p WHERE id IN (1, 3, 99) ORDER BY id;
SELECT id FROM p WHERE tag NOT IN ('fruit', 'veg') ORDER BY id;
SELECT id FROM p WHERE tag IN ('misc', NULL) ORDER BY id;
SELECT id FROM p WHERE tag NOT IN ('misc', NULL) ORDER BY id;
-- IN with mixed types
SELECT id FROM p WHERE id IN (1.0, 2.5) ORDER BY id;
SELECT id FROM p WHERE id IN ('1', '2') ORDER BY id;
SELECT id FROM p WHERE id IN ('x');
-- BETWEEN is inclusive
SELECT id FROM p WHERE qty BETWEEN 1 AND 7 ORDER BY id;
SELECT id FROM p WHERE qty NOT BETWEEN 1 AND 7 ORDER BY id;
SELECT id FROM p WHERE qty BETWEEN 7 AND 1 ORDER BY id;
-- optional
SELECT id FROM p WHERE qty BETWEEN SYMMETRIC 7 AND 1 ORDER BY id;
SELECT id FROM p WHERE name BETWEEN 'a' AND 'b' ORDER BY id;
-- LIKE: % and _, case-sensitive
SELECT id FROM p WHERE name LIKE 'a%' ORDER BY id;
SELECT id FROM p WHERE name LIKE '%an%' ORDER BY id;
SELECT id FROM p WHERE name LIKE '_____' ORDER BY id;
SELECT id FROM p WHERE name LIKE 'b%' ORDER BY id;
SELECT id FROM p WHERE name NOT LIKE '%a%' ORDER BY id;
-- ILIKE ignores case
SELECT id FROM p WHERE name ILIKE 'b%' ORDER BY id;
SELECT id FROM p WHERE name NOT ILIKE '%A%' ORDER BY id;
-- escaping wildcards: backslash by default, or a chosen ESCAPE character
SELECT id FROM p WHERE name LIKE '%\%%' ORDER BY id;
SELECT id FROM p WHERE name LIKE 'a\_b' ORDER BY id;
SELECT id FROM p WHERE name LIKE 'a#_%' ESCAPE '#' ORDER BY id;
SELECT id FROM p WHERE name LIKE '%\\%' ORDER BY id;
SELECT 'a_b' LIKE 'a_b' ESCAPE '' AS no_escape, 'axb' LIKE 'a_b' ESCAPE '' AS underscore_still_wild;
SELECT 'abc' LIKE 'abc\';
SELECT 'abc' LIKE 'a%' ESCAPE 'xy';
-- LIKE with empty strings and NULL
SELECT '' LIKE '' AS a, '' LIKE '%' AS b, 'x' LIKE '' AS c, NULL LIKE 'a' AS d, 'a' LIKE NULL AS e, '' ILIKE '%' AS f;
SELECT id FROM p WHERE name LIKE '' ORDER BY id;
-- the operator spellings
SELECT 'abc' ~~ 'a%' AS like_op, 'ABC' ~~* 'a%' AS ilike_op, 'abc' !~~ 'a%' AS not_like_op;
-- LIKE on a non-text column needs a cast
SELECT id FROM p WHERE qty LIKE '1%';
SELECT id FROM p WHERE qty::text LIKE '1%' ORDER BY id;
-- IS NULL / IS NOT NULL, and = NULL never matches
SELECT id FROM p WHERE qty IS NULL ORDER BY id;
SELECT id FROM p WHERE tag IS NOT NULL AND price IS NOT NULL ORDER BY id;
SELECT id FROM p WHERE qty = NULL;
SELECT count(*) FROM p WHERE tag = '';
-- CASE in WHERE
SELECT id FROM p WHERE CASE WHEN qty IS NULL THEN true ELSE qty > 7 END ORDER BY id;
-- comparing across numeric types
SELECT id FROM p WHERE price = 1.5 ORDER BY id;
SELECT id FROM p WHERE price > 0.2::float8 ORDER BY id;
SELECT id FROM p WHERE qty = 5.0 ORDER BY id;
-- text compared with an integer column
SELECT id FROM p WHERE name = 1;
SELECT id FROM p WHERE qty = 'five';
SELECT id FROM p WHERE qty = '5';
-- unknown columns
SELECT id FROM p WHERE nosuch > 1;
SELECT id FROM p WHERE p.nosuch > 1;
-- a WHERE clause that is not boolean
SELECT id FROM p WHERE qty;
SELECT id FROM p WHERE NULL;
SELECT id FROM p WHERE 'yes' ORDER BY id;
-- errors during evaluation happen only for rows that reach them
SELECT id FROM p WHERE CASE WHEN qty <> 0 THEN 10 / qty > 1 ELSE false END ORDER BY id;
SELECT id FROM p WHERE 10 / qty > 1;
DROP TABLE p;

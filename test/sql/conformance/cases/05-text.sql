-- text, varchar(n), char(n) and the everyday string functions, including empty strings,
-- NULL arguments and the C collation's ordering.

CREATE TABLE strs (id int PRIMARY KEY, v varchar(5), c char(5), t text);
INSERT INTO strs VALUES (1, 'abc', 'abc', 'abc'), (2, '', '', ''), (3, NULL, NULL, NULL), (4, 'ab ', 'ab ', 'ab ');
SELECT id, v, c, t FROM strs ORDER BY id;
-- varchar(n) and char(n) reject longer values on insert
INSERT INTO strs VALUES (5, 'abcdef', 'x', 'x');
INSERT INTO strs VALUES (6, 'x', 'abcdef', 'x');
-- ...unless the extra characters are spaces
INSERT INTO strs VALUES (7, 'abcde   ', 'abcde   ', 'x');
SELECT id, v || '|', c || '|', length(v), length(c) FROM strs WHERE id = 7;
-- explicit casts truncate silently
SELECT 'abcdef'::varchar(3) AS v, 'abcdef'::char(3) AS c, 'ab'::char(4) AS padded;
-- char(n) ignores trailing spaces in length, concatenation and comparison
SELECT length(c) AS len_c, length(v) AS len_v, length(t) AS len_t, c || '|' AS c_cat, t || '|' AS t_cat FROM strs WHERE id = 4;
SELECT 'a '::char(3) = 'a'::char(3) AS char_eq, 'a '::text = 'a'::text AS text_eq, 'a '::varchar = 'a' AS varchar_eq;
-- length, lower, upper
SELECT length('héllo') AS len, length('') AS empty, length(NULL::text) AS null_len, lower('MiXeD') AS lo, upper('MiXeD') AS up, upper('') AS up_empty, lower(NULL) AS lo_null;
-- the C locale maps only ASCII letters
SELECT upper('straße é') AS up, lower('ÉCOLE') AS lo;
-- substring in its forms
SELECT substring('hello' FROM 2 FOR 3) AS a, substring('hello' FROM 2) AS b, substring('hello', 2, 3) AS c, substring('hello', 0, 3) AS d, substring('hello', -1, 3) AS e, substring('hello', 10) AS f, substring('' FROM 1 FOR 2) AS g;
SELECT substring('hello', 2, -1);
SELECT substring(NULL::text, 1, 2) AS a, substring('abc', NULL, 2) AS b;
-- trim
SELECT trim('  x  ') || '|' AS both_default, trim(leading 'x' from 'xxaxx') AS lead, trim(trailing 'x' from 'xxaxx') AS trail, trim(both 'xy' from 'xyaxy') AS chars, trim('') AS empty, trim(NULL) AS null_trim;
-- optional
SELECT ltrim('  a  ') || '|' AS l, rtrim('  a  ') || '|' AS r, btrim('xxaxx', 'x') AS b;
-- lpad and rpad pad, truncate, and accept an empty fill
SELECT lpad('7', 3, '0') AS a, rpad('ab', 5, 'xy') AS b, lpad('hello', 3) AS c, rpad('hello', 2) AS d, lpad('ab', 5) || '|' AS e, lpad('ab', 5, '') AS f, lpad('ab', -1) AS g, rpad('', 3, 'z') AS h;
-- replace
SELECT replace('banana', 'an', 'AN') AS a, replace('aaa', 'a', '') AS b, replace('abc', '', 'x') AS c, replace('', 'a', 'b') AS d, replace('abc', 'z', 'y') AS e, replace(NULL, 'a', 'b') AS f;
-- concat skips NULLs, || propagates them
SELECT concat('a', NULL, 'b', 1, true) AS c, 'a' || NULL || 'b' AS pipes, concat(NULL) AS only_null, concat('', '') AS empties;
-- optional
SELECT concat_ws(',', 'a', NULL, 'b') AS ws;
-- concat needs at least one argument
SELECT concat();
-- position and strpos
-- optional
SELECT position('lo' IN 'hello') AS a, position('z' IN 'hello') AS b, position('' IN 'abc') AS c, strpos('hello', 'l') AS d;
-- left, right, repeat, reverse, initcap
-- optional
SELECT left('hello', 2) AS l, right('hello', 2) AS r, left('hello', -2) AS l_neg, repeat('ab', 3) AS rep, repeat('x', 0) AS rep0, reverse('abc') AS rev, initcap('hello wORLD') AS init;
-- split_part
-- optional
SELECT split_part('a,b,c', ',', 2) AS a, split_part('a,b,c', ',', 5) AS b, split_part('', ',', 1) AS c;
-- C collation: uppercase sorts before lowercase, byte order
-- unordered
SELECT x FROM (VALUES ('b'), ('B'), ('a'), ('A'), ('_'), ('1')) AS v(x);
SELECT x FROM (VALUES ('b'), ('B'), ('a'), ('A'), ('_'), ('1'), ('é'), ('')) AS v(x) ORDER BY x;
SELECT 'B' < 'a' AS upper_first, 'abc' < 'abd' AS lex, 'ab' < 'abc' AS prefix, '' < 'a' AS empty_first;
-- min and max of text
SELECT min(t), max(t), min(v), max(c) FROM strs;
-- text functions on a column with NULL and empty values
SELECT id, length(t) AS len, upper(t) AS up, lpad(t, 4, '*') AS padded, t = '' AS is_empty FROM strs ORDER BY id;
-- varchar(0) is not a type
CREATE TABLE bad (v varchar(0));
-- functions with the wrong argument types
SELECT lpad(5, 3);
SELECT length(1);
SELECT upper(1);
DROP TABLE strs;

-- SELECT of expressions: literal types, operators and precedence, column names the server
-- gives to unnamed expressions.

-- literal types: int4, int8 past 2^31, numeric with a decimal point, text, boolean
SELECT 1 AS i4, 2147483648 AS i8, 1.5 AS num, 'x' AS txt, true AS b, NULL AS n;
-- literals past int8 become numeric
SELECT 9223372036854775808 AS big, -9223372036854775808 AS neg;
-- exponent notation is numeric
SELECT 1e3 AS e3, 1.5E-2 AS small;
-- precedence: * before +, unary minus, parentheses
SELECT 2 + 3 * 4 AS a, (2 + 3) * 4 AS b, -2 * 3 AS c, - -2 AS d, 2 - -2 AS e;
-- exponentiation is double precision and left-associative
SELECT 2 ^ 3 AS a, 2 ^ 3 ^ 2 AS b, 2.0 ^ 0.5 AS c;
-- modulo
SELECT 7 % 3 AS a, -7 % 3 AS b, 7 % -3 AS c, 7.5 % 2 AS d;
-- integer and numeric division
SELECT 7 / 2 AS int_div, -7 / 2 AS neg_div, 7.0 / 2 AS num_div, 7 / 2.0 AS num_div2, 1 / 3.0 AS third;
-- mixed integer widths widen
SELECT 1::smallint + 1::smallint AS i2, 1::smallint + 1 AS i4, 1 + 1::bigint AS i8, 1 + 1.0 AS num, 1 + 1.0::float8 AS f8;
-- comparison operators
SELECT 1 < 2 AS lt, 2 <= 2 AS le, 3 > 4 AS gt, 4 >= 4 AS ge, 1 = 1 AS eq, 1 <> 2 AS ne, 1 != 1 AS ne2;
-- string concatenation with || accepts non-text operands
SELECT 'a' || 'b' AS ab, 'n' || 1 AS n1, 1 || 'n' AS one_n, 'x' || NULL AS x_null, 'b' || true AS bt;
-- column names of unnamed expressions
SELECT 1 + 1, 'a', abs(-1), 1::text, CAST(2 AS bigint), CASE WHEN true THEN 1 END, COALESCE(NULL, 1), NULLIF(1, 2), count(*);
-- a column named like a function call on a column
SELECT upper(x), x FROM (VALUES ('a')) AS v(x);
-- the same output name twice is allowed
SELECT 1 AS a, 2 AS a;
-- a literal of unknown type in the select list is text
SELECT 'unknown' AS u;
-- integer overflow in a constant expression
SELECT 2147483647 + 1;
-- division by zero
SELECT 1 / 0;
-- unknown column without FROM
SELECT nosuchcolumn;
-- unknown function
SELECT nosuchfunction(1);
-- an operator with mismatched types
SELECT 1 + 'a';
-- boolean arithmetic is not defined
SELECT true + 1;
-- a string that is not a number in arithmetic
SELECT '1' + '2';
-- unknown + integer resolves the literal as integer
SELECT '1' + 2 AS three;
-- SELECT * without FROM
SELECT *;
-- a subexpression used twice
SELECT x * x AS sq, x + x AS dbl FROM (VALUES (3), (-4)) AS v(x) ORDER BY x;
-- a table-qualified star and a column
SELECT v.*, v.x * 10 AS tens FROM (VALUES (1, 'a'), (2, 'b')) AS v(x, y) ORDER BY x;
-- bitwise operators on integers
-- optional
SELECT 5 & 3 AS band, 5 | 3 AS bor, 5 # 3 AS bxor, ~5 AS bnot, 1 << 4 AS shl, 256 >> 2 AS shr;
-- a very long expression chain
SELECT 1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1 AS twenty;

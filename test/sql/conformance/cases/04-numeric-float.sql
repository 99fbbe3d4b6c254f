-- numeric(p,s) with exact decimal arithmetic, real and double precision, rounding.

-- exact decimal arithmetic versus binary floating point
SELECT 0.1 + 0.2 AS num, 0.1::float8 + 0.2::float8 AS f8, 0.1::real + 0.2::real AS f4;
SELECT 0.1 + 0.2 = 0.3 AS num_eq, 0.1::float8 + 0.2::float8 = 0.3::float8 AS f8_eq;
-- numeric keeps trailing zeros and scale
SELECT 1.50 AS a, 1.50 + 1.5 AS b, 1.50 * 2 AS c, 0.00 AS d, -0.0 AS e;
-- numeric division picks a result scale
SELECT 1 / 3.0 AS a, 10::numeric / 4 AS b, 2::numeric / 3 AS c, 1.000 / 3 AS d, 100000 / 3.0 AS e;
-- numeric division and modulo by zero
SELECT 1.5 / 0;
SELECT 1.5 % 0;
SELECT 0.0 / 0;
-- float division by zero is an error too
SELECT 1::float8 / 0;
SELECT 1::real / 0::real;
-- round: numeric rounds half away from zero, float half to even
SELECT round(2.5) AS a, round(-2.5) AS b, round(3.5) AS c, round(2.5::float8) AS d, round(-2.5::float8) AS e, round(3.5::float8) AS f;
SELECT round(3.14159, 2) AS a, round(1234.5678, -2) AS b, round(-0.5) AS c, round(0.125, 2) AS d, round(1.5, 0) AS e;
-- round(double precision, integer) does not exist
SELECT round(3.14159::float8, 2);
-- floor and ceil
SELECT floor(2.7) AS a, floor(-2.7) AS b, ceil(2.1) AS c, ceil(-2.1) AS d, ceil(2.0) AS e, floor(2.7::float8) AS f, ceil(-0.5::float8) AS g;
-- abs of every numeric type
SELECT abs(-1.50) AS num, abs(-2.5::float8) AS f8, abs(-3::smallint) AS i2, abs(-4::bigint) AS i8, abs(-0.0::real) AS f4;
-- numeric(p,s): rounding on assignment and overflow
CREATE TABLE money (id int PRIMARY KEY, amount numeric(6,2), rate numeric(5,4), plain numeric);
INSERT INTO money VALUES (1, 1234.567, 0.12345, 1.000), (2, -0.005, 1, 12345678901234567890.123456789);
SELECT id, amount, rate, plain FROM money ORDER BY id;
INSERT INTO money VALUES (3, 10000, 0, 0);
INSERT INTO money VALUES (4, 9999.995, 0, 0);
INSERT INTO money VALUES (5, 0, 10, 0);
-- explicit casts round too
SELECT 1.005::numeric(4,2) AS a, 123.456::numeric(5,1) AS b, 0.5::numeric(1,0) AS c;
SELECT 123.456::numeric(4,2);
-- exact sums and averages
SELECT sum(amount) AS total, avg(amount) AS average FROM money;
-- numeric arithmetic on large values stays exact
SELECT 123456789012345678901234567890 * 10 + 1 AS big, 99999999999999999999.99 + 0.01 AS carry;
-- invalid numeric input
SELECT 'abc'::numeric;
SELECT '1.2.3'::numeric;
SELECT ''::numeric;
-- special values
SELECT 'NaN'::numeric AS num_nan, 'NaN'::float8 AS f8_nan, 'Infinity'::float8 AS inf, '-Infinity'::float8 AS ninf, 'infinity'::numeric AS num_inf;
SELECT 'NaN'::float8 = 'NaN'::float8 AS nan_eq, 'NaN'::float8 > 1e308 AS nan_gt;
-- float output uses the shortest exact representation
SELECT 1.1::float8 AS a, 1.1::real AS b, 1e100::float8 AS c, 1e-10::float8 AS d, 123456789012345678::float8 AS e, 1.0::float8 AS f, 0.1::real::float8 AS g;
SELECT 1 / 3::float8 AS third, 2::float8 / 3 AS two_thirds, 1::real / 3 AS real_third;
-- float overflow and underflow
SELECT 1e308::float8 * 10;
SELECT '1e1000'::float8;
SELECT 1e-300::float8 * 1e-300::float8;
SELECT 1e39::real;
-- float input forms
SELECT ' 1.5 '::float8 AS a, '-1e3'::float8 AS b, '.5'::float8 AS c, '5.'::float8 AS d;
SELECT 'one'::float8;
-- numeric to float and back
SELECT 0.1::float8::numeric AS a, 1e20::float8::numeric AS b, (1::numeric / 3)::float8 AS c;
-- comparisons between numeric and float
SELECT 1.5 = 1.5::float8 AS eq, 0.1 = 0.1::float8 AS eq2, 2 > 1.5 AS gt;
-- negative zero
SELECT -0.0::float8 AS f_negzero, 0.0::float8 = -0.0::float8 AS eq;
DROP TABLE money;

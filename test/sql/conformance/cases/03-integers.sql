-- smallint, integer and bigint: ranges, overflow, division, modulo, conversions.

CREATE TABLE ints (s smallint, i integer, b bigint);
INSERT INTO ints VALUES (32767, 2147483647, 9223372036854775807), (-32768, -2147483648, -9223372036854775808), (0, 0, 0), (NULL, NULL, NULL);
SELECT s, i, b FROM ints ORDER BY i NULLS LAST;
-- the type OIDs of each column
SELECT s, i, b FROM ints WHERE i = 0;
-- out of range on insert
INSERT INTO ints (s) VALUES (32768);
INSERT INTO ints (i) VALUES (2147483648);
INSERT INTO ints (b) VALUES (9223372036854775808);
-- out of range on arithmetic
SELECT i + 1 FROM ints WHERE i = 2147483647;
SELECT s + 1::smallint FROM ints WHERE s = 32767;
SELECT b + 1 FROM ints WHERE b > 0;
SELECT i * 2 FROM ints WHERE i < 0;
SELECT -i FROM ints WHERE i < 0;
SELECT i / -1 FROM ints WHERE i < 0;
SELECT abs(i) FROM ints WHERE i < 0;
-- widening avoids the overflow
SELECT i::bigint + 1 AS widened FROM ints WHERE i = 2147483647;
-- integer division truncates toward zero
SELECT 7 / 2 AS a, -7 / 2 AS b, 7 / -2 AS c, -7 / -2 AS d;
-- modulo takes the sign of the dividend
SELECT 7 % 3 AS a, -7 % 3 AS b, 7 % -3 AS c, -7 % -3 AS d;
-- division and modulo by zero
SELECT 1 / 0;
SELECT 1 % 0;
SELECT 0 / 0;
SELECT 1::bigint / 0;
SELECT 1::smallint / 0::smallint;
-- text input: surrounding spaces allowed, fractions and junk not
SELECT ' 12 '::int AS spaced, '-0'::int AS neg_zero, '+5'::int AS plus;
SELECT '1.5'::int;
SELECT '12abc'::int;
SELECT ''::int;
SELECT '99999999999'::int;
SELECT '40000'::smallint;
-- numeric and float to integer rounds (numeric half away from zero, float half to even)
SELECT 2.5::int AS num_up, -2.5::int AS num_down, 2.5::float8::int AS f_even, 3.5::float8::int AS f_even2, 2.4999::int AS num_low;
SELECT 2147483647.5::int;
SELECT 1e10::float8::int;
-- bigint literals and arithmetic
SELECT 9223372036854775807 AS max, -9223372036854775807 - 1 AS min;
SELECT 9223372036854775807 + 1;
SELECT (-9223372036854775807 - 1) / -1;
-- mixed widths pick the wider type (see the column type OIDs)
SELECT 1::smallint + 1::smallint AS s_s, 1::smallint * 1 AS s_i, 1 * 1::bigint AS i_b, 1::smallint - 1::bigint AS s_b;
-- comparisons across widths
SELECT 1::smallint = 1::bigint AS eq, 2::bigint > 1::smallint AS gt, 3 IN (1::bigint, 3::smallint) AS in_list;
-- aggregates over integers
SELECT sum(i::bigint) AS total, min(s), max(b) FROM ints;
DROP TABLE ints;

-- The everyday functions: now, current_timestamp, random, gen_random_uuid, version,
-- current_database, current_user, pg_backend_pid, the math functions, and calling errors.
-- Environment-specific values are checked by property, not by value.

SELECT now() IS NOT NULL AS has_now, now() = current_timestamp AS same, now() <= now() + interval '1 second' AS sane;
-- result types: timestamptz 1184 for both
SELECT now() - now() AS zero, current_timestamp - now() AS zero2;
SELECT current_timestamp > '2020-01-01'::timestamptz AS recent, now()::date >= '2020-01-01' AS recent_date;
SELECT current_date IS NOT NULL AS has_date, current_date = now()::date AS today;
-- random is in [0, 1) and a double precision
SELECT random() >= 0 AND random() < 1 AS in_range;
SELECT count(DISTINCT r) > 90 AS varied, min(r) >= 0 AS lo, max(r) < 1 AS hi FROM (SELECT random() AS r FROM generate_series(1, 100)) t;
SELECT random() * 0 AS zero;
-- gen_random_uuid gives version 4, variant 1 uuids
SELECT length(gen_random_uuid()::text) AS len, substring(gen_random_uuid()::text, 15, 1) AS version, substring(gen_random_uuid()::text, 20, 1) IN ('8', '9', 'a', 'b') AS variant;
SELECT count(DISTINCT u) AS distinct_uuids FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 50)) t;
-- version(), current_database(), current_user, pg_backend_pid()
SELECT version() LIKE 'PostgreSQL %' AS looks_like_postgres;
SELECT current_database();
SELECT current_user IS NOT NULL AS has_user, current_user = session_user AS same_user, length(current_user) > 0 AS non_empty;
SELECT pg_backend_pid() > 0 AS has_pid, pg_backend_pid() = pg_backend_pid() AS stable;
-- column names and types of these calls (no rows, so no environment-specific values)
SELECT current_user, session_user, current_database(), version(), pg_backend_pid(), gen_random_uuid(), random(), now(), current_timestamp, current_date WHERE false;
-- abs
SELECT abs(-5) AS i, abs(5) AS pos, abs(-5.5) AS num, abs(-5.5::float8) AS f8, abs((-32767)::smallint) AS i2, abs(NULL::numeric) AS nul;
SELECT abs(-2147483648);
SELECT abs('x');
SELECT abs(-9223372036854775807 - 1);
-- round, floor, ceil
SELECT round(0.5) AS a, round(1.5) AS b, round(-1.5) AS c, round(0.5::float8) AS d, round(1.5::float8) AS e, round(2.675, 2) AS f, round(-0.4) AS g;
SELECT round(123.456, 1) AS a, round(123.456, 0) AS b, round(123.456, -1) AS c, round(5, 2) AS d, round(1e20::float8) AS e;
SELECT floor(-0.5) AS a, ceil(-0.5) AS b, floor(5) AS c, ceil(5.000001) AS d, floor(NULL::numeric) AS e, ceil('NaN'::numeric) AS f;
SELECT round('abc');
SELECT round(1.5, 'x');
-- functions are case-insensitive, quoted names are not
SELECT LOWER('AbC') AS l, Upper('aBc') AS u, "lower"('X') AS q;
SELECT "LOWER"('X');
-- argument count and type errors
SELECT length();
SELECT length('a', 'b', 'c');
SELECT lower(1);
SELECT lpad('x');
SELECT substring(1, 2);
SELECT replace('a', 'b');
SELECT now(1);
SELECT random(1);
SELECT gen_random_uuid('x');
SELECT nosuchfunction();
-- functions of NULL
SELECT length(NULL) AS len, lower(NULL) AS lo, upper(NULL) AS up, substring(NULL, 1) AS sub, trim(NULL) AS tr, lpad(NULL, 3) AS lp, rpad('x', NULL) AS rp, replace('a', NULL, 'b') AS rep, abs(NULL) AS ab, round(NULL) AS ro, floor(NULL) AS fl, ceil(NULL) AS ce;
-- nested calls
SELECT upper(substring(trim('  hello world  ') FROM 1 FOR 5)) AS nested, length(concat(lpad('1', 3, '0'), rpad('2', 3, '0'))) AS len;
-- functions on columns
CREATE TABLE f (id int PRIMARY KEY, s text, n numeric);
INSERT INTO f VALUES (1, ' Mixed Case ', -1.55), (2, '', 2.5), (3, NULL, NULL);
SELECT id, lower(s), upper(s), length(s), trim(s), round(n), round(n, 1), abs(n), floor(n), ceil(n) FROM f ORDER BY id;
SELECT id, replace(s, ' ', '_') AS r, lpad(s, 14, '.') AS l, rpad(s, 3) AS rp, concat(s, n) AS c, substring(s, 2, 5) AS sub FROM f ORDER BY id;
DROP TABLE f;

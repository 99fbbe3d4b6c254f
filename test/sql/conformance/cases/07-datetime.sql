-- date, timestamp, timestamptz and interval: input, output, bad literals, time zones and
-- arithmetic.

SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
-- input forms and ISO output
SELECT '2024-02-29'::date AS iso, 'March 5, 2023'::date AS words, '12/31/1999'::date AS mdy, '20230102'::date AS compact, 'epoch'::date AS epoch;
SELECT '2024-01-02 03:04:05'::timestamp AS ts, '2024-01-02T03:04:05.123456'::timestamp AS iso_t, '2024-01-02 03:04:05.1234567'::timestamp AS rounded, '2024-01-02'::timestamp AS midnight;
SELECT '2024-01-02 03:04:05+02'::timestamptz AS plus2, '2024-01-02 03:04:05 America/New_York'::timestamptz AS zone_name, '2024-07-02 03:04:05 America/New_York'::timestamptz AS summer;
-- bad date literals
SELECT '2023-02-30'::date;
SELECT '2023-13-01'::date;
SELECT 'not a date'::date;
SELECT ''::date;
SELECT '2024-01-01 25:00:00'::timestamp;
SELECT '2024-01-01 12:00:00 Mars/Phobos'::timestamptz;
-- leap years
SELECT '2000-02-29'::date AS leap400, '2024-02-29'::date AS leap4;
SELECT '1900-02-29'::date;
-- infinity and BC
SELECT 'infinity'::date AS inf, '-infinity'::timestamp AS ninf, '0044-03-15 BC'::date AS bc, 'infinity'::date > '9999-12-31'::date AS gt;
-- date arithmetic: date - date is an integer, date + integer is a date, date + interval is a timestamp
SELECT '2024-03-01'::date - '2024-02-01'::date AS days, '2024-02-28'::date + 1 AS next_day, '2024-01-01'::date - 1 AS prev_day, '2024-01-31'::date + interval '1 month' AS plus_month;
-- timestamp arithmetic
SELECT '2024-01-01 00:00'::timestamp - '2023-12-25 12:00'::timestamp AS diff, '2024-01-31'::timestamp + interval '1 month' AS month_end, '2024-03-31'::timestamp - interval '1 month' AS back, '2024-01-01'::timestamp + interval '36 hours' AS hours;
-- interval input and output
SELECT interval '1 day' AS a, interval '1 year 2 months 3 days 04:05:06.7' AS b, interval '-1 month' AS c, interval '90 minutes' AS d, interval '1.5 days' AS e, interval 'P1Y2M3DT4H5M6S' AS f, interval '0' AS g;
SELECT 'yesterday-ish'::interval;
-- interval arithmetic
SELECT interval '1 day' * 2 AS doubled, interval '1 hour' / 4 AS quarter, interval '1 day' + interval '2 hours' AS sum, interval '1 month' - interval '1 day' AS mixed, -interval '3 days' AS neg;
SELECT interval '1 day' / 0;
-- interval comparison: 30 days equals 1 month, 24 hours equals 1 day
SELECT interval '30 days' = interval '1 month' AS a, interval '24 hours' = interval '1 day' AS b, interval '1 year' > interval '360 days' AS c;
-- timestamptz output follows the session time zone
CREATE TABLE events (id int PRIMARY KEY, at timestamptz, local timestamp);
INSERT INTO events VALUES (1, '2024-03-10 06:30:00+00', '2024-03-10 06:30:00'), (2, '2024-11-03 05:30:00+00', '2024-11-03 05:30:00'), (3, NULL, NULL);
SELECT id, at, local FROM events ORDER BY id;
SET TimeZone = 'America/New_York';
SHOW TimeZone;
SELECT id, at, local FROM events ORDER BY id;
-- literal input is read in the session zone
SELECT '2024-01-15 12:00'::timestamptz AS winter, '2024-07-15 12:00'::timestamptz AS summer;
-- adding a day across a DST change keeps the wall clock; 24 hours does not
SELECT '2024-03-09 12:00'::timestamptz + interval '1 day' AS plus_day, '2024-03-09 12:00'::timestamptz + interval '24 hours' AS plus_24h;
-- converting between timestamp and timestamptz uses the session zone
SELECT '2024-07-01 12:00'::timestamp::timestamptz AS to_tz, '2024-07-01 12:00+00'::timestamptz::timestamp AS to_local, '2024-07-01 02:00+00'::timestamptz::date AS to_date;
SET TimeZone = 'Asia/Kolkata';
SELECT at FROM events WHERE id = 1;
-- a fixed offset zone (POSIX offsets are written west-positive)
SET TimeZone = '+02:00';
SHOW TimeZone;
SELECT at FROM events WHERE id = 1;
SET TimeZone = 'UTC';
SELECT at FROM events WHERE id = 1;
-- an unknown time zone
SET TimeZone = 'Mars/Olympus_Mons';
-- timestamptz comparisons are on the instant
SELECT '2024-01-01 12:00+02'::timestamptz = '2024-01-01 10:00+00'::timestamptz AS same_instant, '2024-01-01 12:00'::timestamp = '2024-01-01 12:00'::timestamptz AS ts_vs_tz;
-- date styles change input interpretation and output
SET DateStyle = 'ISO, DMY';
SELECT '01/02/2024'::date AS dmy;
SET DateStyle = 'ISO, MDY';
SELECT '01/02/2024'::date AS mdy;
-- timestamp precision
SELECT '2024-01-01 12:34:56.789'::timestamp(0) AS p0, '2024-01-01 12:34:56.789'::timestamp(2) AS p2;
-- extract and date_trunc
-- optional
SELECT extract(year FROM '2024-05-06'::date) AS y, date_part('month', '2024-05-06'::timestamp) AS m, date_trunc('month', '2024-05-06 07:08:09'::timestamp) AS trunc;
-- ordering dates with NULL
SELECT local FROM events ORDER BY local DESC;
-- dates in a table with range predicates
SELECT id FROM events WHERE at >= '2024-03-10' AND at < '2024-03-11' ORDER BY id;
-- an out of range timestamp
SELECT '294277-01-01'::timestamp;
SELECT '2024-01-01'::date + 10000000;
DROP TABLE events;

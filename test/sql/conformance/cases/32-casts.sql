-- Casts: CAST(... AS ...) and ::, between every pair of types users reach for, rounding and
-- truncation rules, invalid input, and casts that do not exist.

SELECT CAST('42' AS int) AS a, '42'::int AS b, CAST(42 AS text) AS c, 42::text AS d, CAST(1.5 AS float8) AS e;
-- numbers to text and back
SELECT 1.50::text AS num, 1.5::float8::text AS f8, (-0.0)::float8::text AS negzero, 100::bigint::text AS i8, 1e-7::float8::text AS tiny;
SELECT '  7  '::int AS spaced, '007'::int AS zeros;
SELECT '7 7'::int;
SELECT '1e3'::int;
SELECT '1e3'::numeric::int AS via_numeric, '1e3'::float8::int AS via_float;
SELECT '-2147483648'::int AS min_int, '2147483648'::int;
-- numeric rounding on cast to integer types
SELECT 0.5::int AS a, 1.5::int AS b, -0.5::int AS c, 0.5::smallint AS d, 2.5::bigint AS e, (-1.5)::int AS f;
SELECT 0.5::float8::int AS a, 1.5::float8::int AS b, (-0.5)::float8::int AS c, 2.5::real::int AS d;
SELECT 'NaN'::numeric::int;
SELECT 'Infinity'::float8::bigint;
SELECT 1e10::int;
-- boolean casts
SELECT true::int AS t, false::int AS f, 1::boolean AS one, 0::boolean AS zero, (-1)::boolean AS neg, 'on'::boolean::text AS txt;
SELECT 1::bigint::boolean;
SELECT 1.0::boolean;
SELECT true::numeric;
SELECT 'tru'::boolean;
-- text and varchar/char
SELECT 'abc'::varchar(2) AS v, 'abc'::char(2) AS c, 'a'::char(3)::text || '|' AS char_to_text, 'a'::char(3)::varchar || '|' AS char_to_varchar, 123::varchar(2) AS num_to_varchar;
-- date and time casts
SELECT '2024-05-06 07:08:09'::timestamp::date AS ts_to_date, '2024-05-06'::date::timestamp AS date_to_ts, '2024-05-06'::date::timestamptz AS date_to_tz, '2024-05-06 07:08:09+00'::timestamptz::date AS tz_to_date;
SELECT '2024-05-06 07:08:09'::timestamp::text AS ts_text, '1 day 1 hour'::interval::text AS iv_text, '2024-05-06'::date::text AS d_text;
SELECT '2024-05-06'::timestamp::time AS t;
-- uuid, bytea, json casts
SELECT '00000000-0000-0000-0000-00000000000a'::uuid::text AS u, 'abc'::text::bytea AS b, '{"a":1}'::text::jsonb AS j, '{"a":1}'::jsonb::text AS jt, '[1]'::json::jsonb AS j2;
SELECT '\x6869'::bytea::text AS hex_text;
-- arrays from and to text
SELECT '{1,2}'::text::int[] AS arr, ARRAY[1, 2]::text AS txt, ARRAY[1, 2]::bigint[] AS widened, ARRAY['1', '2']::int[] AS parsed, ARRAY[1.6, 2.4]::int[] AS rounded;
SELECT ARRAY['x']::int[];
-- casts that do not exist
SELECT 1::date;
SELECT '2024-01-01'::date::int;
SELECT true::date;
SELECT '00000000-0000-0000-0000-000000000001'::uuid::int;
SELECT 1::uuid;
SELECT now()::int;
SELECT interval '1 day'::int;
SELECT 1::interval;
SELECT 1::bytea;
SELECT 1::jsonb;
SELECT '{"a":1}'::jsonb::int;
SELECT ARRAY[1]::int;
SELECT 1::int[];
SELECT 1.5::boolean;
-- casting to an unknown type
SELECT 1::nosuchtype;
SELECT CAST(1 AS nosuchtype);
-- NULL casts to anything
SELECT NULL::int AS i, NULL::date AS d, NULL::jsonb AS j, NULL::int[] AS a, CAST(NULL AS uuid) AS u;
-- type name synonyms
SELECT 1::int2 AS a, 1::int4 AS b, 1::int8 AS c, 1::float4 AS d, 1::float8 AS e, 1::decimal AS f, 1::bool AS g, 'x'::character varying AS h, 1::double precision AS i, 'x'::character(1) AS j, 1::dec(3,1) AS k;
-- typmod errors
SELECT 1::numeric(0);
SELECT 1::numeric(1001);
SELECT 'x'::varchar(-1);
-- implicit casts in comparisons and function calls
SELECT 1 = 1.0 AS int_num, 1::smallint = 1::bigint AS i2_i8, '2024-01-01'::date = '2024-01-01 00:00'::timestamp AS date_ts, 'a'::char(3) = 'a'::varchar AS char_varchar;
SELECT length(123::text) AS len, length(1.50::text) AS len2, abs('-3') AS abs_unknown;
-- chained casts
SELECT '12.7'::numeric::int::text::int + 1 AS chained;
SELECT '2024-02-30'::text::date;

-- Arrays of the scalar types: literals in both syntaxes, indexing, ANY / ALL, array_length,
-- NULL elements, text output quoting and errors.

SELECT ARRAY[1, 2, 3] AS ints, '{1,2,3}'::int[] AS from_text, ARRAY['a', 'b'] AS texts, ARRAY[1.5, 2] AS nums, ARRAY[true, NULL] AS bools;
-- element types: int4[] 1007, text[] 1009, numeric[] 1231, bool[] 1000, int8[] 1016
SELECT ARRAY[1] AS i4, ARRAY['x'] AS t, ARRAY[1.0] AS n, ARRAY[false] AS b, ARRAY[1::bigint] AS i8, ARRAY[1::smallint] AS i2, ARRAY[1.5::float8] AS f8;
-- text output quotes what needs quoting
SELECT ARRAY['a b', 'c,d', NULL, 'NULL', 'x"y', 'back\slash', '', '{}'] AS quoted;
SELECT '{"a b", NULL, "NULL", ""}'::text[] AS parsed;
-- indexing is 1-based; out of range gives NULL
SELECT (ARRAY[10, 20, 30])[1] AS first, (ARRAY[10, 20, 30])[3] AS last, (ARRAY[10, 20, 30])[0] AS zero, (ARRAY[10, 20, 30])[4] AS past, (ARRAY[10, 20, 30])[NULL] AS null_idx;
-- slices
-- optional
SELECT (ARRAY[10, 20, 30, 40])[2:3] AS mid, (ARRAY[10, 20, 30])[:2] AS head, (ARRAY[10, 20, 30])[2:] AS tail;
-- multi-dimensional arrays
SELECT '{{1,2},{3,4}}'::int[] AS two_d, ('{{1,2},{3,4}}'::int[])[2][1] AS elem, ARRAY[[1, 2], [3, 4]] AS constructor;
SELECT '{{1,2},{3}}'::int[];
-- malformed literals and element errors
SELECT '{1,2'::int[];
SELECT '{1,a}'::int[];
SELECT ARRAY[1, 'a'];
SELECT '1,2'::int[];
-- an empty array needs a type
SELECT ARRAY[]::int[] AS empty, '{}'::text[] AS empty_text;
SELECT ARRAY[];
-- array_length and cardinality
SELECT array_length(ARRAY[1, 2, 3], 1) AS len, array_length('{}'::int[], 1) AS empty_len, array_length(ARRAY[[1, 2], [3, 4], [5, 6]], 1) AS rows, array_length(ARRAY[[1, 2], [3, 4], [5, 6]], 2) AS cols, array_length(ARRAY[1], 2) AS no_dim;
-- optional
SELECT cardinality(ARRAY[[1, 2], [3, 4]]) AS card, array_upper(ARRAY[1, 2], 1) AS upper;
-- ANY and ALL
SELECT 2 = ANY(ARRAY[1, 2, 3]) AS any_found, 5 = ANY(ARRAY[1, 2]) AS any_missing, 5 = ANY(ARRAY[1, NULL]) AS any_null, 1 = ANY(ARRAY[1, NULL]) AS any_null_found, 5 > ALL(ARRAY[1, 2]) AS all_gt, 5 > ALL(ARRAY[1, NULL]) AS all_null, 1 = ANY('{}'::int[]) AS any_empty, 1 = ALL('{}'::int[]) AS all_empty;
SELECT 'b' = ANY('{a,b}') AS text_any, 3 <> ALL(ARRAY[1, 2]) AS ne_all, 'x' LIKE ANY(ARRAY['a%', 'x%']) AS like_any;
SELECT 1 = ANY(NULL::int[]) AS null_array;
SELECT 1 = ANY(1);
-- equality and ordering of arrays
SELECT ARRAY[1, 2] = '{1,2}'::int[] AS eq, ARRAY[1, 2] < ARRAY[1, 3] AS lt, ARRAY[1, 2] < ARRAY[1, 2, 0] AS prefix, ARRAY[1, NULL] = ARRAY[1, NULL] AS with_null;
-- concatenation
-- optional
SELECT ARRAY[1, 2] || ARRAY[3] AS cat, ARRAY[1] || 2 AS append, 0 || ARRAY[1] AS prepend, array_append(ARRAY['a'], 'b') AS fn;
-- arrays in a table
CREATE TABLE tagged (id int PRIMARY KEY, tags text[], scores int[], days date[]);
INSERT INTO tagged VALUES (1, '{red,green}', '{1,2,3}', '{2024-01-01}'), (2, ARRAY['blue'], ARRAY[10], NULL), (3, '{}', '{}', '{}'), (4, NULL, '{NULL,5}', ARRAY['2024-02-29'::date, NULL]);
SELECT id, tags, scores, days FROM tagged ORDER BY id;
SELECT id FROM tagged WHERE 'green' = ANY(tags) ORDER BY id;
SELECT id, tags[1] AS first_tag, scores[2] AS second_score, array_length(scores, 1) AS n FROM tagged ORDER BY id;
SELECT id FROM tagged WHERE scores = '{1,2,3}' ORDER BY id;
INSERT INTO tagged VALUES (5, '{unterminated', NULL, NULL);
INSERT INTO tagged VALUES (6, NULL, '{1.5}', NULL);
-- updating an element
-- optional
UPDATE tagged SET scores[2] = scores[2] * 1 WHERE id = 1 RETURNING scores;
-- ordering by an array column
SELECT id, scores FROM tagged ORDER BY scores NULLS FIRST, id;
-- arrays of uuid, timestamp and numeric
SELECT ARRAY['00000000-0000-0000-0000-000000000001'::uuid] AS uuids, ARRAY['2024-01-01 10:00'::timestamp] AS stamps, ARRAY[1.50::numeric(4,2)] AS nums;
-- unnest
-- optional
SELECT unnest(ARRAY[3, 1, 2]) AS v ORDER BY v;
-- IN with a list is not the same as = ANY with an array, but gives the same answers
SELECT id FROM tagged WHERE id IN (1, 3) ORDER BY id;
SELECT id FROM tagged WHERE id = ANY(ARRAY[1, 3]) ORDER BY id;
DROP TABLE tagged;

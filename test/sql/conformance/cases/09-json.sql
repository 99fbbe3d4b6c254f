-- json and jsonb: validation, normalisation, ->, ->>, @> and their NULL cases.

-- json keeps the text as written, jsonb normalises it (key order, duplicates, whitespace)
SELECT '{"b": 1,  "a": [1, 2], "a": 3}'::json AS j, '{"b": 1,  "a": [1, 2], "a": 3}'::jsonb AS jb;
SELECT '[1, 2.50, 1e2, -0, "x", true, null]'::jsonb AS numbers, '"text"'::jsonb AS scalar, 'null'::jsonb AS json_null, '{}'::jsonb AS empty_obj, '[]'::json AS empty_arr;
-- invalid JSON is rejected with details
SELECT '{"a": }'::jsonb;
SELECT '{a: 1}'::json;
SELECT '[1, 2'::jsonb;
SELECT ''::jsonb;
SELECT '{"a": 1} x'::jsonb;
-- -> returns json(b), ->> returns text
SELECT '{"a": {"b": [10, 20, "thirty"]}}'::jsonb -> 'a' AS a, '{"a": {"b": [10, 20]}}'::jsonb -> 'a' -> 'b' AS ab, '{"a": {"b": [10, 20]}}'::jsonb -> 'a' -> 'b' -> 1 AS ab1, '{"a": {"b": [10, 20]}}'::jsonb -> 'a' -> 'b' ->> 1 AS ab1_text;
SELECT '{"s": "str", "n": 1.50, "t": true, "z": null}'::jsonb ->> 's' AS s, '{"s": "str", "n": 1.50}'::jsonb ->> 'n' AS n, '{"t": true}'::jsonb ->> 't' AS t, '{"z": null}'::jsonb ->> 'z' AS z, '{"z": null}'::jsonb -> 'z' AS z_json;
-- missing keys, wrong container kinds and out-of-range indexes give NULL
SELECT '{"a": 1}'::jsonb -> 'missing' AS missing, '[1, 2]'::jsonb -> 'a' AS key_on_array, '{"a": 1}'::jsonb -> 0 AS index_on_object, '[1, 2]'::jsonb -> 5 AS past_end, '[1, 2, 3]'::jsonb -> -1 AS from_end, '"x"'::jsonb -> 'a' AS on_scalar;
-- the same operators on json
SELECT '{"a": {"b": "c"}}'::json -> 'a' AS a, '{"a": {"b": "c"}}'::json -> 'a' ->> 'b' AS ab, '[1, {"x": 2}]'::json -> 1 ->> 'x' AS x;
-- result type OIDs: json 114, jsonb 3802, text 25
SELECT '{"a": 1}'::json -> 'a' AS j, '{"a": 1}'::jsonb -> 'a' AS jb, '{"a": 1}'::jsonb ->> 'a' AS t;
-- @> containment
SELECT '{"a": 1, "b": 2}'::jsonb @> '{"a": 1}' AS obj, '{"a": 1}'::jsonb @> '{"a": 1, "b": 2}' AS not_sub, '[1, 2, 3]'::jsonb @> '[3, 1]' AS arr, '[1, [2, 3]]'::jsonb @> '[[3]]' AS nested, '{"a": [1, 2]}'::jsonb @> '{"a": [2]}' AS deep, '"x"'::jsonb @> '"x"' AS scalar, '[1, 2]'::jsonb @> '1' AS arr_scalar;
SELECT '{"a": 1}'::jsonb @> '{"a": "1"}' AS type_matters, '{"a": null}'::jsonb @> '{"a": null}' AS null_value, '{"a": 1}'::jsonb @> '{}' AS empty;
-- json has no @>
SELECT '{"a": 1}'::json @> '{"a": 1}'::json;
-- NULL operands
SELECT NULL::jsonb -> 'a' AS a, '{"a": 1}'::jsonb ->> NULL::text AS b, NULL::jsonb @> '{}' AS c;
-- equality: jsonb compares values, json has no equality operator
SELECT '{"a": 1, "b": 2}'::jsonb = '{"b": 2, "a": 1}'::jsonb AS eq, '1.0'::jsonb = '1'::jsonb AS num_eq, '[1, 2]'::jsonb = '[2, 1]'::jsonb AS order_matters;
SELECT '{"a": 1}'::json = '{"a": 1}'::json;
-- jsonb in a table
CREATE TABLE docs (id int PRIMARY KEY, body jsonb, raw json);
INSERT INTO docs VALUES (1, '{"name": "ann", "tags": ["x", "y"], "age": 30}', '{"name":"ann"}'), (2, '{"name": "bob", "tags": ["y"], "age": null}', '{"name": "bob"}'), (3, '{"name": "cy"}', NULL), (4, NULL, NULL);
SELECT id, body ->> 'name' AS name, body -> 'tags' AS tags, (body ->> 'age')::int AS age FROM docs ORDER BY id;
SELECT id FROM docs WHERE body @> '{"tags": ["y"]}' ORDER BY id;
SELECT id FROM docs WHERE body ->> 'name' = 'cy';
SELECT id, raw FROM docs ORDER BY id;
INSERT INTO docs VALUES (5, '{"broken": ', NULL);
INSERT INTO docs VALUES (6, NULL, '[1,');
-- the ->> result is text, so comparing with a number needs a cast
SELECT id FROM docs WHERE body ->> 'age' = 30;
SELECT id FROM docs WHERE (body ->> 'age')::int = 30;
-- casts between json, jsonb and text
SELECT '{"b":1, "a":2}'::json::jsonb AS to_jsonb, '{"b": 1}'::jsonb::json AS to_json, '{"a": 1}'::jsonb::text AS to_text, '5'::jsonb::text AS num_text;
-- unicode and escapes
SELECT '{"k": "caf\u00e9 \"q\" \\ \n"}'::jsonb ->> 'k' AS unescaped, '{"k": "caf\u00e9"}'::jsonb AS normalised, '"\ud83d\ude00"'::jsonb AS surrogate;
SELECT '"\u0000"'::jsonb;
-- deep nesting and large numbers are kept exactly
SELECT '{"n": 123456789012345678901234567890.000100}'::jsonb -> 'n' AS big, '[[[[[1]]]]]'::jsonb -> 0 -> 0 -> 0 AS deep;
-- jsonb functions beyond the operators
-- optional
SELECT jsonb_typeof('{"a": 1}'::jsonb -> 'a') AS t, jsonb_array_length('[1, 2, 3]') AS len;
DROP TABLE docs;

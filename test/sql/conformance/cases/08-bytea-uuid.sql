-- bytea (hex output, hex and escape input) and uuid (input forms, comparison, keys).

SELECT '\xDEADbeef'::bytea AS hex_in, 'abc'::bytea AS escape_in, '\000\377'::bytea AS octal, ''::bytea AS empty, 'a\\b'::bytea AS backslash;
SELECT '\xzz'::bytea;
SELECT '\x123'::bytea;
SELECT '\9'::bytea;
SELECT length('\x0102ff'::bytea) AS len, '\x01'::bytea || '\x02'::bytea AS cat, '\x01'::bytea < '\x02'::bytea AS lt, '\x'::bytea = ''::bytea AS empty_eq;
CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
INSERT INTO blobs VALUES (1, '\x00'), (2, 'hello'), (3, NULL), (4, '\xffff');
SELECT id, data, length(data) FROM blobs ORDER BY data NULLS FIRST;
SELECT id FROM blobs WHERE data = 'hello'::bytea;
-- bytea to text shows the hex form
SELECT data::text FROM blobs WHERE id = 2;
-- uuid input forms all print in canonical lower case
SELECT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS upper, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'::uuid AS braces, 'a0eebc999c0b4ef8bb6d6bb9bd380a11'::uuid AS bare, 'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11'::uuid AS grouped;
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'::uuid;
SELECT 'not-a-uuid'::uuid;
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g'::uuid;
-- uuid as a primary key
CREATE TABLE things (id uuid PRIMARY KEY, name text);
INSERT INTO things VALUES ('00000000-0000-0000-0000-000000000002', 'two'), ('00000000-0000-0000-0000-000000000001', 'one'), ('ffffffff-ffff-ffff-ffff-ffffffffffff', 'max');
SELECT id, name FROM things ORDER BY id;
SELECT name FROM things WHERE id = '00000000000000000000000000000001';
INSERT INTO things VALUES ('00000000-0000-0000-0000-000000000001', 'dup');
INSERT INTO things VALUES ('bogus', 'x');
-- generated uuids: version 4, canonical text form, different each time
SELECT length(gen_random_uuid()::text) AS len, substring(gen_random_uuid()::text, 15, 1) AS version, gen_random_uuid() <> gen_random_uuid() AS differ;
CREATE TABLE tokens (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), label text);
INSERT INTO tokens (label) VALUES ('a'), ('b'), ('c');
SELECT count(DISTINCT id) AS distinct_ids, count(*) AS total, bool_and(id IS NOT NULL) AS all_set FROM tokens;
-- uuid and text
SELECT ('00000000-0000-0000-0000-000000000001'::uuid)::text AS txt, 'x' || '00000000-0000-0000-0000-000000000001'::uuid AS cat;
-- uuid has no arithmetic
SELECT '00000000-0000-0000-0000-000000000001'::uuid + 1;
-- comparing a uuid with an integer
SELECT id FROM things WHERE id = 1;
DROP TABLE blobs;
DROP TABLE things;
DROP TABLE tokens;

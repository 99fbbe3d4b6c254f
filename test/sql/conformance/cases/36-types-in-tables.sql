-- Every scalar type as a column: round trip through a table, typmods enforced on insert and
-- update, type OIDs in row descriptions, ordering and equality through the storage layer.

CREATE TABLE every (
  id int PRIMARY KEY,
  i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, num numeric, num52 numeric(5,2),
  b boolean, t text, vc varchar(4), ch char(3), by bytea,
  d date, ts timestamp, tstz timestamptz, iv interval,
  u uuid, j json, jb jsonb, ia int[], ta text[]
);
SET TimeZone = 'UTC';
INSERT INTO every VALUES
  (1, 1, 2, 3, 1.5, 2.25, 3.125, 4.5, true, 'text', 'vc', 'ch', '\x0a0b', '2024-01-02', '2024-01-02 03:04:05', '2024-01-02 03:04:05+01', '1 day 2 hours', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '{"k": [1, 2]}', '{"k": [1, 2]}', '{1,2}', '{a,b}'),
  (2, -32768, -2147483648, -9223372036854775808, -1e30, -1e300, -0.000001, -999.99, false, '', '', '', '', '0001-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '-1 mons', '00000000-0000-0000-0000-000000000000', '[]', '[]', '{}', '{}'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT * FROM every ORDER BY id;
-- the row description carries each column's type OID
SELECT * FROM every WHERE false;
-- equality lookups on each type
SELECT id FROM every WHERE num = 3.125 AND num52 = 4.50 AND f4 = 1.5 AND f8 = 2.25;
SELECT id FROM every WHERE ch = 'ch' AND vc = 'vc' AND t = 'text' AND by = '\x0a0b';
SELECT id FROM every WHERE d = '2024-01-02' AND ts = '2024-01-02 03:04:05' AND tstz = '2024-01-02 02:04:05+00' AND iv = '26 hours';
SELECT id FROM every WHERE u = '6ba7b810-9dad-11d1-80b4-00c04fd430c8' AND jb = '{"k": [1, 2]}' AND ia = '{1,2}' AND ta = ARRAY['a', 'b'];
-- typmods on update
UPDATE every SET vc = 'toolong' WHERE id = 1;
UPDATE every SET num52 = 1000 WHERE id = 1;
UPDATE every SET num52 = 1.005 WHERE id = 1 RETURNING num52;
UPDATE every SET ch = 'x' WHERE id = 1 RETURNING ch, ch || '|' AS concat, length(ch) AS len;
UPDATE every SET i2 = 40000 WHERE id = 1;
UPDATE every SET j = '{bad' WHERE id = 1;
UPDATE every SET u = 'xyz' WHERE id = 1;
UPDATE every SET ia = '{1,x}' WHERE id = 1;
UPDATE every SET d = '2024-02-30' WHERE id = 1;
-- ordering by each kind of column
SELECT id FROM every ORDER BY f8 NULLS FIRST;
SELECT id FROM every ORDER BY t DESC NULLS LAST;
SELECT id FROM every ORDER BY tstz;
SELECT id FROM every ORDER BY iv;
SELECT id FROM every ORDER BY u DESC;
SELECT id FROM every ORDER BY by;
SELECT id FROM every ORDER BY jb;
SELECT id FROM every ORDER BY ia NULLS FIRST;
-- output in another time zone
SET TimeZone = 'Asia/Tokyo';
SELECT tstz, ts FROM every WHERE id = 1;
SET TimeZone = 'UTC';
-- a primary key of each common key type
CREATE TABLE k_text (k text PRIMARY KEY);
INSERT INTO k_text VALUES ('b'), ('a'), ('B'), (''), ('ab');
SELECT k FROM k_text ORDER BY k;
SELECT k FROM k_text WHERE k > 'a' ORDER BY k;
INSERT INTO k_text VALUES ('a');
CREATE TABLE k_num (k numeric PRIMARY KEY);
INSERT INTO k_num VALUES (1.0), (-1), (0.5);
INSERT INTO k_num VALUES (1.00);
SELECT k FROM k_num ORDER BY k;
CREATE TABLE k_ts (k timestamptz PRIMARY KEY);
INSERT INTO k_ts VALUES ('2024-01-01 00:00+00');
INSERT INTO k_ts VALUES ('2024-01-01 01:00+01');
CREATE TABLE k_multi (a date, b bigint, c text, PRIMARY KEY (a, b, c));
INSERT INTO k_multi VALUES ('2024-01-01', 2, 'x'), ('2024-01-01', 1, 'y'), ('2023-12-31', 9, 'z'), ('2024-01-01', 1, 'x');
SELECT a, b, c FROM k_multi ORDER BY a, b, c;
SELECT c FROM k_multi WHERE a = '2024-01-01' AND b = 1 ORDER BY c;
INSERT INTO k_multi VALUES ('2024-01-01', 1, 'x');
DROP TABLE every, k_text, k_num, k_ts, k_multi;

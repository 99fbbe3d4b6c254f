// psql scripted with -c and -f: results in psql's output formats, command tags, notices,
// errors (with their LINE and caret, DETAIL, the aborted transaction), ON_ERROR_STOP and exit
// codes, COPY through psql, variables. Each case runs in a fresh psql over TCP and over the
// Unix socket; the output is compared with what psql printed against PostgreSQL 15
// (expected/psql.out). Cases run in order and may use tables earlier ones created.

import { psql, renderPsql, type PsqlRun, type Transport } from "../support/psql.ts";
import type { Target } from "../support/target.ts";

export interface PsqlCase {
  readonly name: string;
  readonly args: readonly string[];
  /** Scripts for -f, by file name. */
  readonly files?: Readonly<Record<string, string>>;
}

const setupScript = `\\set ON_ERROR_STOP 1
CREATE TABLE items (id int4 PRIMARY KEY, name text NOT NULL, price numeric(10,2), added date, tags text[], meta jsonb);
INSERT INTO items VALUES
  (1, 'apple', 1.50, '2024-01-15', '{red,fruit}', '{"origin": "NZ", "organic": true}'),
  (2, 'bread', 3.25, '2024-02-01', '{}', NULL),
  (3, 'cheese, aged', 12.00, NULL, '{dairy,"with space"}', '{"months": 18}'),
  (4, 'ünïcødé 日本', NULL, '2023-12-31', NULL, '[1, 2, 3]');
`;

const errorsScript = `SELECT 1 AS before;
SELECT * FROM missing_table;
SELECT id, nme FROM items;
INSERT INTO items VALUES (1, 'duplicate', 0, NULL, NULL, NULL);
INSERT INTO items (id) VALUES (9);
SELECT 1/0;
SELECT 'abc'::int4;
SELECT id FROM items WHERE id = 2;
`;

const transactionScript = `BEGIN;
INSERT INTO items VALUES (10, 'kept?', 1, NULL, NULL, NULL);
SELECT no_such_column FROM items;
SELECT count(*) FROM items;
ROLLBACK;
SELECT count(*) FROM items WHERE id = 10;
BEGIN;
UPDATE items SET price = price + 1 WHERE id <= 2;
SAVEPOINT s1;
DELETE FROM items;
ROLLBACK TO SAVEPOINT s1;
COMMIT;
SELECT id, price FROM items ORDER BY id;
UPDATE items SET price = price - 1 WHERE id <= 2;
`;

const stopScript = `SELECT 'first' AS step;
SELECT 'second' AS step, 1/0 AS boom;
SELECT 'never printed' AS step;
`;

const copyScript = `CREATE TABLE copied (n int4, label text, at timestamptz);
COPY copied FROM STDIN;
1\tone\t2024-05-01 10:00:00+00
2\t\\N\t2024-05-02 11:30:00+02
3\ttab\\there\t\\N
\\.
COPY copied FROM STDIN WITH (FORMAT csv, HEADER true);
n,label,at
4,"comma, inside",2024-06-01 00:00:00+00
5,,
\\.
SELECT * FROM copied ORDER BY n;
COPY (SELECT n, label FROM copied WHERE n > 3 ORDER BY n) TO STDOUT WITH (FORMAT csv, HEADER true);
COPY copied TO STDOUT;
DROP TABLE copied;
`;

const variablesScript = `\\set id 3
\\set label 'it''s'
SELECT :id AS id, :'label' AS quoted, name FROM items WHERE id = :id;
SELECT max(id) AS top FROM items \\gset
\\echo top is :top
SELECT 'SELECT ' || id || ' AS generated' FROM items WHERE id < 3 ORDER BY id \\gexec
`;

const typesScript = `SELECT 42::int2 AS i2, 2147483647::int4 AS i4, '-9223372036854775808'::int8 AS i8,
  1.5::float4 AS f4, 0.1::float8 AS f8, 'NaN'::float8 AS nan, true AS t, false AS f,
  'x'::varchar(5) AS vc, '\\xdeadbeef'::bytea AS b;
SELECT '2024-02-29'::date AS d, '2024-02-29 12:34:56.789'::timestamp AS ts,
  '2024-02-29 12:34:56.789+05:30'::timestamptz AS tstz,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, 123.4500::numeric AS n;
SELECT '{"b": 1, "a": [true, null]}'::json AS j, '{"b": 1, "a": [true, null]}'::jsonb AS jb,
  ARRAY[1, NULL, 3] AS arr, ARRAY['a b', 'c'] AS tarr, NULL::text AS nothing;
SET TimeZone = 'America/New_York';
SELECT '2024-07-04 12:00:00+00'::timestamptz AS summer, '2024-01-04 12:00:00+00'::timestamptz AS winter;
`;

export const psqlCases: readonly PsqlCase[] = [
  { name: "setup (-f, ON_ERROR_STOP)", args: ["-f", "setup.sql"], files: { "setup.sql": setupScript } },
  { name: "select aligned", args: ["-c", "SELECT id, name, price, added, tags, meta FROM items ORDER BY id"] },
  { name: "select unaligned tuples-only", args: ["-A", "-t", "-c", "SELECT id, name, price FROM items ORDER BY id"] },
  { name: "select csv", args: ["--csv", "-c", "SELECT id, name, tags FROM items ORDER BY id"] },
  { name: "select expanded", args: ["-x", "-c", "SELECT * FROM items WHERE id IN (1, 4) ORDER BY id"] },
  { name: "select with null display and field separator", args: ["-A", "-F", ";", "-P", "null=(null)", "-c", "SELECT id, price, added FROM items ORDER BY id"] },
  { name: "no rows", args: ["-c", "SELECT id, name FROM items WHERE false"] },
  { name: "multiline values and long text", args: ["-c", "SELECT 'line one\nline two' AS multi, repeat('ab', 40) AS long, 'x' AS short"] },
  { name: "expressions and aggregates", args: ["-c", "SELECT count(*) AS n, sum(price) AS total, min(added) AS first, string_agg(name, '|' ORDER BY id) AS names FROM items"] },
  { name: "generate_series", args: ["-c", "SELECT g, g * g AS square FROM generate_series(1, 5) AS g"] },
  { name: "-c with two statements (last result shown)", args: ["-c", "SELECT 1 AS a; SELECT 2 AS b"] },
  { name: "several -c options", args: ["-c", "SELECT 1 AS a", "-c", "SELECT 'two' AS b"] },
  { name: "types", args: ["-f", "types.sql"], files: { "types.sql": typesScript } },
  { name: "command tags", args: ["-c", "CREATE TABLE tags_demo (a int4)", "-c", "INSERT INTO tags_demo VALUES (1), (2), (3)", "-c", "UPDATE tags_demo SET a = a + 1 WHERE a > 1", "-c", "DELETE FROM tags_demo WHERE a = 1", "-c", "DROP TABLE tags_demo"] },
  { name: "syntax error with caret", args: ["-c", "SELECT id, FROM items"] },
  { name: "syntax error on the second line", args: ["-c", "SELECT id\nFROM items\nWHER id = 1"] },
  { name: "undefined table", args: ["-c", "SELECT * FROM nowhere"] },
  { name: "undefined column", args: ["-c", "SELECT nme FROM items"] },
  { name: "division by zero", args: ["-c", "SELECT 1/0"] },
  { name: "invalid input syntax", args: ["-c", "SELECT 'abc'::int4"] },
  { name: "unique violation with detail", args: ["-c", "INSERT INTO items VALUES (1, 'again', 1, NULL, NULL, NULL)"] },
  { name: "not-null violation with detail", args: ["-c", "INSERT INTO items (id) VALUES (99)"] },
  { name: "error with ON_ERROR_STOP", args: ["-v", "ON_ERROR_STOP=1", "-c", "SELECT 1/0"] },
  { name: "errors in a -f script (the script goes on)", args: ["-f", "errors.sql"], files: { "errors.sql": errorsScript } },
  { name: "ON_ERROR_STOP in a -f script (exit 3)", args: ["-v", "ON_ERROR_STOP=1", "-f", "stop.sql"], files: { "stop.sql": stopScript } },
  { name: "transactions: aborted, rolled back, savepoint", args: ["-f", "transaction.sql"], files: { "transaction.sql": transactionScript } },
  { name: "single transaction (-1) rolled back by an error", args: ["-1", "-v", "ON_ERROR_STOP=1", "-c", "INSERT INTO items VALUES (20, 'one', 1, NULL, NULL, NULL)", "-c", "INSERT INTO items VALUES (20, 'two', 1, NULL, NULL, NULL)"] },
  { name: "after the rolled-back single transaction", args: ["-A", "-t", "-c", "SELECT count(*) FROM items WHERE id = 20"] },
  { name: "COPY through psql", args: ["-f", "copy.sql"], files: { "copy.sql": copyScript } },
  { name: "variables, \\gset and \\gexec", args: ["-f", "variables.sql"], files: { "variables.sql": variablesScript } },
  { name: "echo queries (-e) and quiet (-q)", args: ["-e", "-q", "-c", "SELECT 'echoed' AS e"] },
  { name: "unknown database", args: ["-d", "no_such_database", "-c", "SELECT 1"] },
  { name: "unknown user", args: ["-U", "nobody", "-c", "SELECT 1"] },
  // Leaves the database as it was, so the next transport starts from scratch.
  { name: "cleanup", args: ["-c", "DROP TABLE items"] },
];

/** Runs every case in order; the rendered output of each, by case name. */
export async function psqlTranscript(target: Target, transport: Transport): Promise<Map<string, string>> {
  const outputs = new Map<string, string>();
  for (const psqlCase of psqlCases) {
    const run: PsqlRun = await psql(target, psqlCase.args, { transport, ...(psqlCase.files ? { files: psqlCase.files } : {}) });
    outputs.set(psqlCase.name, renderPsql(run));
  }
  return outputs;
}

const header = (name: string, transport: Transport): string => `=== ${name} [${transport}]\n`;

/** All transcripts as one file: a header line per case and transport, then its output. */
export function renderTranscripts(transcripts: ReadonlyMap<Transport, ReadonlyMap<string, string>>): string {
  let text = "";
  for (const [transport, outputs] of transcripts) {
    for (const [name, output] of outputs) text += header(name, transport) + output;
  }
  return text;
}

/** The inverse of renderTranscripts: output by "<name> [<transport>]". */
export function parseTranscripts(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const pattern = /^=== (.*) \[(tcp|unix)\]\n/gm;
  const starts = [...text.matchAll(pattern)];
  starts.forEach((match, i) => {
    const begin = match.index! + match[0].length;
    const end = i + 1 < starts.length ? starts[i + 1]!.index! : text.length;
    sections.set(`${match[1]} [${match[2]}]`, text.slice(begin, end));
  });
  return sections;
}

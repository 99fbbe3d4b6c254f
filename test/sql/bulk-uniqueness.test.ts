// Uniqueness in bulk work over more rows than one write batch: COPY FROM finds a duplicate
// of a row written batches earlier (primary key and unique index), ALTER TABLE ADD PRIMARY
// KEY and CREATE UNIQUE INDEX find duplicates among existing rows; and the compact key set
// those checks use agrees with a Set of strings.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { copyIn as copyInWith, psqlCopy as psqlCopyOn } from "./support/copy.ts";
import { ByteKeySet } from "../../ts/sql/exec/key-set.ts";

let server: TestServer;
let sql: ReturnType<typeof postgres>;

beforeAll(async () => {
  server = await startTestServer();
  sql = postgres(server.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await server?.stop();
});

const copyIn = (statement: string, data: string) => copyInWith(sql, statement, data);
const psqlCopy = (statement: string, data: string) => psqlCopyOn(server, statement, data);

/** Tab-separated rows (a, b) for a = 1..count, with `change` applied to row i. */
function rows(count: number, change: (i: number) => [number, number] = (i) => [i, i]): string {
  let text = "";
  for (let i = 1; i <= count; i++) {
    const [a, b] = change(i);
    text += `${a}\t${b}\n`;
  }
  return text;
}

describe("COPY FROM over many write batches", () => {
  test("a duplicate primary key far from its first occurrence", async () => {
    await sql`CREATE TABLE copy_pk (a int PRIMARY KEY, b int UNIQUE)`;
    const result = await psqlCopy("COPY copy_pk FROM STDIN", rows(10_000, (i) => [i === 9_000 ? 5 : i, i]));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('duplicate key value violates unique constraint "copy_pk_pkey"');
    expect(result.stderr).toContain("Key (a)=(5) already exists.");
    expect([...(await sql`SELECT count(*)::int AS n FROM copy_pk`)]).toEqual([{ n: 0 }]);
  });

  test("a duplicate in a unique index far from its first occurrence", async () => {
    const result = await psqlCopy("COPY copy_pk FROM STDIN", rows(10_000, (i) => [i, i === 9_000 ? 5 : i]));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('duplicate key value violates unique constraint "copy_pk_b_key"');
    expect(result.stderr).toContain("Key (b)=(5) already exists.");
  });

  test("no duplicates: every row arrives; a later COPY of an existing key fails", async () => {
    await copyIn("COPY copy_pk FROM STDIN", rows(10_000));
    expect([...(await sql`SELECT count(*)::int AS n FROM copy_pk`)]).toEqual([{ n: 10_000 }]);
    const result = await psqlCopy("COPY copy_pk FROM STDIN", "10001\t10001\n9999\t123456\n");
    expect(result.stderr).toContain("Key (a)=(9999) already exists.");
  });
});

describe("DDL over existing rows", () => {
  test("ADD PRIMARY KEY and CREATE UNIQUE INDEX report a duplicate; succeed without one", async () => {
    await sql`CREATE TABLE ddl_rows (a int, b int)`;
    await copyIn("COPY ddl_rows FROM STDIN", rows(10_000, (i) => [i === 9_000 ? 5 : i, i]));
    const pk = await sql`ALTER TABLE ddl_rows ADD PRIMARY KEY (a)`.catch((e) => e);
    expect(pk?.code).toBe("23505");
    expect(pk?.detail).toBe("Key (a)=(5) is duplicated.");
    const unique = await sql`CREATE UNIQUE INDEX ddl_rows_a ON ddl_rows (a)`.catch((e) => e);
    expect(unique?.code).toBe("23505");
    expect(unique?.detail).toBe("Key (a)=(5) is duplicated.");
    await sql`CREATE UNIQUE INDEX ddl_rows_b ON ddl_rows (b)`;
    await sql`ALTER TABLE ddl_rows ADD PRIMARY KEY (b)`;
    expect([...(await sql`SELECT a FROM ddl_rows WHERE b = 9000`)]).toEqual([{ a: 5 }]);
  });
});

test("ByteKeySet agrees with a Set of strings", () => {
  const set = new ByteKeySet();
  const reference = new Set<string>();
  for (let i = 0; i < 50_000; i++) {
    const length = i % 11;
    const key = new Uint8Array(length);
    for (let j = 0; j < length; j++) key[j] = (i * 2654435761 + j * 40503) % 3;
    const text = Buffer.from(key).toString("latin1");
    expect(set.has(key)).toBe(reference.has(text));
    expect(set.add(key)).toBe(!reference.has(text));
    reference.add(text);
  }
  expect(set.size).toBe(reference.size);
});

// COPY FROM STDIN and TO STDOUT in text and CSV with postgres.js, including escapes, NULL
// markers, HEADER, column lists, a query source, and errors.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { copyIn as copyInWith, psqlCopy as psqlCopyOn } from "./support/copy.ts";

let server: TestServer;
let sql: ReturnType<typeof postgres>;

beforeAll(async () => {
  server = await startTestServer();
  sql = postgres(server.url, { max: 1, onnotice: () => {} });
  await sql`CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(8,2), note text DEFAULT 'none')`;
});

afterAll(async () => {
  await sql?.end();
  await server?.stop();
});

const copyIn = (statement: string, data: string) => copyInWith(sql, statement, data);
const psqlCopy = (statement: string, data: string) => psqlCopyOn(server, statement, data);

async function copyOut(statement: string): Promise<string> {
  const readable = await sql.unsafe(statement).readable();
  const chunks: Buffer[] = [];
  await pipeline(
    readable,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(chunks).toString();
}

describe("COPY", () => {
  test("text format in and out, with escapes and NULL", async () => {
    await copyIn("COPY items (id, name, price) FROM STDIN", "1\tplain\t1.50\n2\ttab\\there\t\\N\n3\tnew\\nline\t3\n");
    expect([...(await sql`SELECT id, name, price, note FROM items ORDER BY id`)]).toEqual([
      { id: 1, name: "plain", price: "1.50", note: "none" },
      { id: 2, name: "tab\there", price: null, note: "none" },
      { id: 3, name: "new\nline", price: "3.00", note: "none" },
    ]);
    expect(await copyOut("COPY items TO STDOUT")).toBe("1\tplain\t1.50\tnone\n2\ttab\\there\t\\N\tnone\n3\tnew\\nline\t3.00\tnone\n");
  });

  test("CSV with HEADER, quoting and a query source", async () => {
    await copyIn("COPY items FROM STDIN (FORMAT csv, HEADER true)", 'id,name,price,note\n10,"quoted, comma",2,\n11,"say ""hi""",,x\n');
    expect([...(await sql`SELECT id, name, price, note FROM items WHERE id >= 10 ORDER BY id`)]).toEqual([
      { id: 10, name: "quoted, comma", price: "2.00", note: null },
      { id: 11, name: 'say "hi"', price: null, note: "x" },
    ]);
    expect(await copyOut("COPY (SELECT id, name FROM items WHERE id >= 10 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)")).toBe(
      'id,name\n10,"quoted, comma"\n11,"say ""hi"""\n',
    );
  });

  test("a bad row fails the whole COPY and nothing is inserted", async () => {
    const result = await psqlCopy("COPY items (id, name) FROM STDIN", "20\tok\nnot-a-number\tbad\n");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('invalid input syntax for type integer: "not-a-number"');
    expect([...(await sql`SELECT count(*)::int AS n FROM items WHERE id = 20`)]).toEqual([{ n: 0 }]);
  });

  test("a duplicate key fails with 23505", async () => {
    const result = await psqlCopy("COPY items (id, name) FROM STDIN", "30\ta\n30\tb\n");
    expect(result.stderr).toContain('duplicate key value violates unique constraint "items_pkey"');
    expect([...(await sql`SELECT count(*)::int AS n FROM items WHERE id = 30`)]).toEqual([{ n: 0 }]);
  });

  test("many rows in one COPY", async () => {
    await sql`CREATE TABLE bulk (id int PRIMARY KEY, v text)`;
    const lines = Array.from({ length: 20000 }, (_, i) => `${i}\tvalue ${i}\n`).join("");
    await copyIn("COPY bulk FROM STDIN", lines);
    expect([...(await sql`SELECT count(*)::int AS n, max(id) AS m FROM bulk`)]).toEqual([{ n: 20000, m: 19999 }]);
    const out = await copyOut("COPY bulk TO STDOUT");
    expect(out.split("\n").length).toBe(20001);
  });
});

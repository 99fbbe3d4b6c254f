// pg_catalog and information_schema as PostgreSQL 15 presents them, and the catalog functions
// that print definitions (pg_get_expr, pg_get_constraintdef, pg_get_indexdef) the way its
// deparser does. The expected values are what PostgreSQL 15 returns for the same schema (the
// LATERAL case at the end aside: pgz refuses it).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import { startTestServer, type TestServer } from "../support/pgz.ts";
import { connect, rows, sqlState } from "./support/client.ts";

let server: TestServer;
let client: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  client = await connect(server);
  await client.query(`
    CREATE TABLE cat_t (
      id serial PRIMARY KEY,
      code varchar(10) NOT NULL DEFAULT 'abc',
      n int DEFAULT -1,
      price numeric(8,2) DEFAULT 9.50 CHECK (price >= 0),
      doc jsonb DEFAULT '{}',
      made timestamptz DEFAULT CURRENT_TIMESTAMP,
      lo int,
      hi int,
      CHECK (lo <= hi),
      UNIQUE (code, n)
    )`);
  await client.query("CREATE INDEX cat_t_expr ON cat_t (lower(code), (n + 1), (n * 2) DESC NULLS LAST) WHERE hi > 10");
});

afterAll(async () => {
  await client?.end();
  await server?.stop();
});

describe("databases, schemas and roles", () => {
  test("pg_database lists template1 and template0 with initdb's ACLs", async () => {
    const sql = "SELECT datname, datistemplate, datallowconn, datacl::text, pg_encoding_to_char(encoding), datlocprovider, datcollate FROM pg_database ORDER BY oid";
    expect(await rows(client, sql)).toEqual([
      ["template1", "t", "t", "{=c/postgres,postgres=CTc/postgres}", "UTF8", "c", "C"],
      ["template0", "t", "f", "{=c/postgres,postgres=CTc/postgres}", "UTF8", "c", "C"],
      ["postgres", "f", "t", null, "UTF8", "c", "C"],
    ]);
  });

  test("template0 refuses connections; template1 accepts them; templates cannot be dropped", async () => {
    expect(await sqlState(connect(server, { database: "template0" }))).toBe("55000");
    const template1 = await connect(server, { database: "template1" });
    expect(await rows(template1, "SELECT current_database()")).toEqual([["template1"]]);
    await template1.end();
    expect(await sqlState(client.query("DROP DATABASE template1"))).toBe("42809");
  });

  test("pg_database_owner owns public; the standard schemas' ACLs", async () => {
    const sql = "SELECT nspname, pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace WHERE nspname IN ('public', 'pg_catalog') ORDER BY 1";
    expect(await rows(client, sql)).toEqual([
      ["pg_catalog", "postgres", "{postgres=UC/postgres,=U/postgres}"],
      ["public", "pg_database_owner", "{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}"],
    ]);
    expect(await rows(client, "SELECT pg_get_userbyid(424242)")).toEqual([["unknown (OID=424242)"]]);
  });

  test("predefined roles exist and their names are reserved", async () => {
    expect(await rows(client, "SELECT oid::int, rolcanlogin FROM pg_roles WHERE rolname = 'pg_read_all_data'")).toEqual([["6181", "f"]]);
    expect(await sqlState(client.query("CREATE ROLE pg_mine"))).toBe("42939");
    expect(await sqlState(client.query("DROP ROLE pg_database_owner"))).toBe("2BP01");
  });
});

describe("definitions as PostgreSQL deparses them", () => {
  test("column defaults, coerced to the column's type", async () => {
    const sql = `SELECT a.attname, pg_get_expr(d.adbin, d.adrelid, true) FROM pg_attrdef d
      JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'cat_t'::regclass ORDER BY d.adnum`;
    expect(await rows(client, sql)).toEqual([
      ["id", "nextval('cat_t_id_seq'::regclass)"],
      ["code", "'abc'::character varying"],
      ["n", "'-1'::integer"],
      ["price", "9.50"],
      ["doc", "'{}'::jsonb"],
      ["made", "CURRENT_TIMESTAMP"],
    ]);
  });

  test("constraints: names, columns, pretty and plain definitions", async () => {
    const sql = "SELECT conname, contype, conkey::text, pg_get_constraintdef(oid, true), pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'cat_t'::regclass ORDER BY conname";
    expect(await rows(client, sql)).toEqual([
      ["cat_t_check", "c", "{7,8}", "CHECK (lo <= hi)", "CHECK ((lo <= hi))"],
      ["cat_t_code_n_key", "u", "{2,3}", "UNIQUE (code, n)", "UNIQUE (code, n)"],
      ["cat_t_pkey", "p", "{1}", "PRIMARY KEY (id)", "PRIMARY KEY (id)"],
      ["cat_t_price_check", "c", "{4}", "CHECK (price >= 0::numeric)", "CHECK ((price >= (0)::numeric))"],
    ]);
  });

  test("an expression index: its definition, key vectors and columns", async () => {
    const sql = `SELECT pg_get_indexdef(indexrelid), pg_get_indexdef(indexrelid, 2, true), indkey::text, indkey[1], indoption::text,
      pg_get_expr(indexprs, indrelid), pg_get_expr(indpred, indrelid, true) FROM pg_index WHERE indexrelid = 'cat_t_expr'::regclass`;
    expect(await rows(client, sql)).toEqual([
      [
        "CREATE INDEX cat_t_expr ON public.cat_t USING btree (lower((code)::text), ((n + 1)), ((n * 2)) DESC NULLS LAST) WHERE (hi > 10)",
        "(n + 1)",
        "0 0 0",
        "0",
        "0 0 1",
        "lower((code)::text), (n + 1), (n * 2)",
        "hi > 10",
      ],
    ]);
    const columns = "SELECT attnum, attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'cat_t_expr'::regclass ORDER BY attnum";
    expect(await rows(client, columns)).toEqual([
      ["1", "lower", "text"],
      ["2", "expr", "integer"],
      ["3", "expr1", "integer"],
    ]);
  });

  test("regclass prints names (qualified when not on search_path) and reads OIDs", async () => {
    const oid = (await rows(client, "SELECT 'cat_t'::regclass::oid"))[0]![0] as string;
    expect(await rows(client, `SELECT '${oid}'::regclass, '${oid}'::regclass::text, 'cat_t'::regclass = ${oid}::oid`)).toEqual([["cat_t", "cat_t", "t"]]);
    await client.query("CREATE SCHEMA other; CREATE TABLE other.o (id int)");
    expect(await rows(client, "SELECT 'other.o'::regclass, 42424242::regclass")).toEqual([["other.o", "42424242"]]);
  });
});

describe("COMMENT ON", () => {
  test("comments show in pg_description and through obj_description / col_description", async () => {
    await client.query("COMMENT ON TABLE cat_t IS 'the table'");
    await client.query("COMMENT ON COLUMN cat_t.code IS 'a code'");
    await client.query("COMMENT ON INDEX cat_t_expr IS 'an index'");
    await client.query("COMMENT ON CONSTRAINT cat_t_pkey ON cat_t IS 'the key'");
    await client.query("COMMENT ON CONSTRAINT cat_t_check ON cat_t IS 'ordered'");
    const sql = `SELECT obj_description('cat_t'::regclass, 'pg_class'), col_description('cat_t'::regclass, 2), obj_description('cat_t_expr'::regclass),
      (SELECT string_agg(c.conname || '=' || d.description, ',' ORDER BY c.conname) FROM pg_description d JOIN pg_constraint c ON c.oid = d.objoid)`;
    expect(await rows(client, sql)).toEqual([["the table", "a code", "an index", "cat_t_check=ordered,cat_t_pkey=the key"]]);
    // An empty comment, like NULL, removes it.
    await client.query("COMMENT ON TABLE cat_t IS ''");
    await client.query("COMMENT ON COLUMN cat_t.code IS NULL");
    expect(await rows(client, "SELECT obj_description('cat_t'::regclass, 'pg_class'), col_description('cat_t'::regclass, 2)")).toEqual([[null, null]]);
  });

  test("schemas, databases and roles; initdb's comments", async () => {
    expect(await rows(client, "SELECT obj_description('public'::regnamespace, 'pg_namespace'), shobj_description(1, 'pg_database')")).toEqual([
      ["standard public schema", "default template for new databases"],
    ]);
    await client.query("COMMENT ON ROLE postgres IS 'the superuser'");
    expect(await rows(client, "SELECT shobj_description(10, 'pg_authid')")).toEqual([["the superuser"]]);
  });

  test("errors name the missing object", async () => {
    expect(await sqlState(client.query("COMMENT ON COLUMN cat_t.nope IS 'x'"))).toBe("42703");
    expect(await sqlState(client.query("COMMENT ON TABLE cat_t_expr IS 'x'"))).toBe("42809");
    expect(await sqlState(client.query("COMMENT ON CONSTRAINT nope ON cat_t IS 'x'"))).toBe("42704");
    expect(await sqlState(client.query("COMMENT ON TABLE nope IS 'x'"))).toBe("42P01");
  });
});

describe("information_schema", () => {
  test("columns: defaults, types, lengths and precisions", async () => {
    const sql = `SELECT column_name, column_default, data_type, character_maximum_length, numeric_precision, numeric_scale
      FROM information_schema.columns WHERE table_name = 'cat_t' ORDER BY ordinal_position`;
    expect(await rows(client, sql)).toEqual([
      ["id", "nextval('cat_t_id_seq'::regclass)", "integer", null, "32", "0"],
      ["code", "'abc'::character varying", "character varying", "10", null, null],
      ["n", "'-1'::integer", "integer", null, "32", "0"],
      ["price", "9.50", "numeric", null, "8", "2"],
      ["doc", "'{}'::jsonb", "jsonb", null, null, null],
      ["made", "CURRENT_TIMESTAMP", "timestamp with time zone", null, null, null],
      ["lo", null, "integer", null, "32", "0"],
      ["hi", null, "integer", null, "32", "0"],
    ]);
  });

  test("identity columns: generation and sequence facts", async () => {
    await client.query("CREATE TABLE cat_ident (id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5), note text)");
    const sql = `SELECT column_name, is_identity, identity_generation, identity_start, identity_increment, identity_maximum, identity_minimum, identity_cycle
      FROM information_schema.columns WHERE table_name = 'cat_ident' ORDER BY ordinal_position`;
    expect(await rows(client, sql)).toEqual([
      ["id", "YES", "ALWAYS", "10", "5", "9223372036854775807", "1", "NO"],
      ["note", "NO", null, null, null, null, null, "NO"],
    ]);
    // The identity's sequence is no column default; it is owned internally (pg_depend 'i').
    expect(await rows(client, "SELECT count(*) FROM pg_attrdef WHERE adrelid = 'cat_ident'::regclass")).toEqual([["0"]]);
    expect(await rows(client, "SELECT objid::regclass::text, refobjsubid, deptype FROM pg_depend WHERE refobjid = 'cat_ident'::regclass AND classid = 'pg_class'::regclass")).toEqual([["cat_ident_id_seq", "1", "i"]]);
  });

  test("table_constraints and key_column_usage", async () => {
    expect(await rows(client, "SELECT constraint_name, constraint_type FROM information_schema.table_constraints WHERE table_name = 'cat_t' AND constraint_type <> 'CHECK' ORDER BY 1")).toEqual([
      ["cat_t_code_n_key", "UNIQUE"],
      ["cat_t_pkey", "PRIMARY KEY"],
    ]);
    // NOT NULL columns are listed as CHECK constraints too, as PostgreSQL 15 does.
    expect(await rows(client, "SELECT count(*) FROM information_schema.table_constraints WHERE table_name = 'cat_t' AND constraint_type = 'CHECK'")).toEqual([["4"]]);
    expect(await rows(client, "SELECT constraint_name, column_name, ordinal_position FROM information_schema.key_column_usage WHERE table_name = 'cat_t' ORDER BY 1, 3")).toEqual([
      ["cat_t_code_n_key", "code", "1"],
      ["cat_t_code_n_key", "n", "2"],
      ["cat_t_pkey", "id", "1"],
    ]);
    expect(await rows(client, "SELECT constraint_name, column_name FROM information_schema.constraint_column_usage WHERE table_name = 'cat_t' ORDER BY 1, 2")).toEqual([
      ["cat_t_check", "hi"],
      ["cat_t_check", "lo"],
      ["cat_t_code_n_key", "code"],
      ["cat_t_code_n_key", "n"],
      ["cat_t_pkey", "id"],
      ["cat_t_price_check", "price"],
    ]);
  });
});

test("a function in FROM may read the enclosing query's columns", async () => {
  const sql = "SELECT relname, (SELECT string_agg(s::text, ',') FROM generate_series(1, c.relnatts) s) FROM pg_class c WHERE c.oid = 'cat_t'::regclass";
  expect(await rows(client, sql)).toEqual([["cat_t", "1,2,3,4,5,6,7,8"]]);
  // One reading a FROM item of its own level would need LATERAL.
  expect(await sqlState(client.query("SELECT * FROM pg_class c, generate_series(1, c.relnatts) s"))).toBe("0A000");
});

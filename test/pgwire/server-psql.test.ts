// psql (libpq) against the server: TCP, Unix socket, trust, SCRAM, TLS with channel binding.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testCertificate } from "./support/tls.ts";
import type { TestServer } from "./support/test-server.ts";
import { passwords, psql, startTestServer } from "./support/test-server.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ tls: testCertificate() });
});

afterAll(async () => {
  await t.stop();
  expect(t.logger.errors).toEqual([]);
});

const tcp = () => ["-h", "127.0.0.1", "-p", String(t.port)];
const unix = () => ["-h", t.socketDir, "-p", String(t.port)];

describe("psql", () => {
  test("select over TCP (trust)", async () => {
    const r = await psql([...tcp(), "-U", "carol", "-d", "app", "-At", "-c", "select 1, 'x'"]);
    expect(r).toMatchObject({ code: 0, stdout: "1|x\n" });
  });

  test("select over the Unix socket named .s.PGSQL.<port>", async () => {
    expect(t.server.socketPath).toBe(`${t.socketDir}/.s.PGSQL.${t.port}`);
    const r = await psql([...unix(), "-U", "carol", "-d", "app", "-At", "-c", "select 42"]);
    expect(r).toMatchObject({ code: 0, stdout: "42\n" });
  });

  test("SCRAM-SHA-256 with the right password", async () => {
    const r = await psql([...tcp(), "-U", "alice", "-d", "app", "-At", "-c", "select 7"], {
      PGPASSWORD: passwords.alice,
      PGSSLMODE: "disable",
    });
    expect(r).toMatchObject({ code: 0, stdout: "7\n" });
  });

  test("SCRAM-SHA-256 with a non-ASCII password", async () => {
    const r = await psql([...unix(), "-U", "bob", "-d", "app", "-At", "-c", "select 8"], { PGPASSWORD: passwords.bob });
    expect(r).toMatchObject({ code: 0, stdout: "8\n" });
  });

  test("wrong password → FATAL 28P01", async () => {
    const r = await psql([...tcp(), "-U", "alice", "-d", "app", "-c", "select 1"], { PGPASSWORD: "wrong", PGSSLMODE: "disable" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FATAL:  password authentication failed for user "alice"');
  });

  test("no password available: psql gives up quietly", async () => {
    const r = await psql([...tcp(), "-w", "-U", "alice", "-d", "app", "-c", "select 1"], { PGSSLMODE: "disable" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no password supplied");
  });

  test("TLS with sslmode=require", async () => {
    const r = await psql(
      [...tcp(), "-At", "-c", "select 'secure'"],
      { PGUSER: "carol", PGDATABASE: "app", PGSSLMODE: "require" },
    );
    expect(r).toMatchObject({ code: 0, stdout: "secure\n" });
  });

  test("TLS with SCRAM-SHA-256-PLUS channel binding required", async () => {
    const r = await psql([...tcp(), "-At", "-c", "select 'bound'"], {
      PGUSER: "alice",
      PGDATABASE: "app",
      PGPASSWORD: passwords.alice,
      PGSSLMODE: "require",
      PGCHANNELBINDING: "require",
    });
    expect(r).toMatchObject({ code: 0, stdout: "bound\n" });
  });

  test("TLS with a verified certificate (sslmode=verify-full)", async () => {
    const dir = t.socketDir;
    await Bun.write(`${dir}/root.crt`, testCertificate().cert);
    const r = await psql([...tcp(), "-At", "-c", "select 1"], {
      PGUSER: "carol",
      PGDATABASE: "app",
      PGSSLMODE: "verify-full",
      PGSSLROOTCERT: `${dir}/root.crt`,
      PGHOST: "127.0.0.1",
    });
    expect(r).toMatchObject({ code: 0, stdout: "1\n" });
  });

  test("errors carry SQLSTATE, detail and hint", async () => {
    const r = await psql([...tcp(), "-U", "carol", "-d", "app", "-v", "VERBOSITY=verbose", "-c", "raise 22012 division by zero"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ERROR:  22012: division by zero");
    expect(r.stderr).toContain("DETAIL:  raised on request");
    expect(r.stderr).toContain("HINT:  this is a test");
  });

  test("a session: transactions, failed transaction, notices, parameters", async () => {
    const script = [
      "begin;",
      "select 1;",
      "raise 23505 duplicate;",
      "select 2;",
      "rollback;",
      "notice be aware",
      ";",
      "set application_name = 'renamed';",
      "show application_name;",
      "",
    ].join("\n");
    const r = await psql([...tcp(), "-U", "carol", "-d", "app", "-At", "-v", "ON_ERROR_STOP=0", "-f", "-"], {}, script);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("BEGIN\n1\nROLLBACK\nDO\nSET\nrenamed\n");
    expect(r.stderr).toContain("ERROR:  duplicate");
    expect(r.stderr).toContain("ERROR:  current transaction is aborted, commands ignored until end of transaction block");
    expect(r.stderr).toContain("NOTICE:  be aware");
  });

  test("COPY FROM STDIN and COPY TO STDOUT", async () => {
    const input = "copy t from stdin;\n1\n2\n3\n\\.\ncopy to stdout 4;\n";
    const r = await psql([...unix(), "-U", "carol", "-d", "app", "-At", "-f", "-"], {}, input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("COPY 3\n1\n2\n3\n4\n");
  });

  test("multiple statements in one Query", async () => {
    const r = await psql([...tcp(), "-U", "carol", "-d", "app", "-At", "-c", "select 1; select 2; select 3"]);
    // psql 15 prints every statement's result.
    expect(r).toMatchObject({ code: 0, stdout: "1\n2\n3\n" });
  });

  test("unknown database (backend refuses the session) → FATAL 3D000", async () => {
    const other = await startTestServer({ backend: { databases: ["app"] } });
    try {
      const r = await psql(["-h", "127.0.0.1", "-p", String(other.port), "-U", "carol", "-d", "nope", "-c", "select 1"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('FATAL:  database "nope" does not exist');
    } finally {
      await other.stop();
    }
  });

  test("Ctrl-C: psql sends a CancelRequest and the statement fails with 57014", async () => {
    const proc = Bun.spawn(["psql", "-X", ...tcp(), "-U", "carol", "-d", "app", "-c", "sleep 10000"], {
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    const sessions = t.backend.sessions.length;
    while (t.backend.sessions.length === sessions) await Bun.sleep(10);
    await Bun.sleep(100);
    proc.kill("SIGINT");
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).toContain("ERROR:  canceling statement due to user request");
    expect(code).toBe(1);
    expect(t.backend.sessions.at(-1)!.cancels).toBe(1);
  });

  test("a long result is streamed in full", async () => {
    const r = await psql([...unix(), "-U", "carol", "-d", "app", "-At", "-c", "series 200000"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(200_000);
    expect(lines[199_999]).toBe("200000");
  });
});

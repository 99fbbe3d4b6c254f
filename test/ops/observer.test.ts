// What the server's observer writes to the log: connections with their duration, failed
// statements with their SQLSTATE (warn for the client's mistakes, error for the server's),
// slow statements over the threshold with their text, secrets masked; and what the SQL
// server reports to it.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import { Registry } from "prom-client";
import { createLogger, type LogLevel } from "../../ts/log.ts";
import { loggableText, OpsObserver, ServerMetrics, type ServerObserver } from "../../ts/metrics/index.ts";
import { startPgz } from "../../ts/server.ts";

function observer(slowStatementMs: number | null, level: LogLevel = "info") {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const metrics = new ServerMetrics(new Registry());
  return { observer: new OpsObserver({ metrics, logger: createLogger({ level, stream }), slowStatementMs }), lines };
}

const connection = { processId: 4242, user: "alice", database: "shop", applicationName: "app", remoteAddress: "10.0.0.7" };
const statement = { processId: 4242, command: "SELECT", durationMs: 2, sqlstate: null, text: "select 1" };

describe("OpsObserver logs", () => {
  test("connections opened and closed, with who and how long", () => {
    const { observer: o, lines } = observer(null);
    o.connectionOpened(connection);
    o.connectionClosed({ ...connection, remoteAddress: "" }, 1234.6);
    expect(lines[0]).toMatchObject({ level: 30, msg: "connection opened", backendPid: 4242, user: "alice", database: "shop", application: "app", client: "10.0.0.7" });
    expect(lines[1]).toMatchObject({ level: 30, msg: "connection closed", backendPid: 4242, durationMs: 1235, client: "local" });
  });

  test("failed statements carry their SQLSTATE; server-side classes log as errors", () => {
    const { observer: o, lines } = observer(null);
    o.statementFinished({ ...statement, sqlstate: "42P01", message: 'relation "nope" does not exist', text: "select * from nope" });
    o.statementFinished({ ...statement, sqlstate: "XX000", message: "internal", text: "select boom()" });
    o.statementFinished({ ...statement, sqlstate: "53300", message: "too many", text: "select 1" });
    expect(lines.map((l) => [l.level, l.msg, l.sqlstate])).toEqual([
      [40, "statement failed", "42P01"],
      [50, "statement failed", "XX000"],
      [50, "statement failed", "53300"],
    ]);
    expect(lines[0]).toMatchObject({ statement: "select * from nope", error: 'relation "nope" does not exist', command: "SELECT" });
  });

  test("slow statements: at or over the threshold only; 0 logs all; null none", () => {
    const slow = observer(100);
    slow.observer.statementFinished({ ...statement, durationMs: 99.9 });
    slow.observer.statementFinished({ ...statement, durationMs: 100, text: "select pg_sleep(0.1)", rows: 1 });
    expect(slow.lines).toEqual([expect.objectContaining({ level: 30, msg: "slow statement", durationMs: 100, statement: "select pg_sleep(0.1)", rows: 1 })]);
    const all = observer(0);
    all.observer.statementFinished(statement);
    expect(all.lines.length).toBe(1);
    const none = observer(null);
    none.observer.statementFinished({ ...statement, durationMs: 60_000 });
    expect(none.lines).toEqual([]);
    const failedSlow = observer(10);
    failedSlow.observer.statementFinished({ ...statement, durationMs: 50, sqlstate: "57014", message: "canceling statement due to statement timeout" });
    expect(failedSlow.lines).toEqual([expect.objectContaining({ msg: "slow statement failed", sqlstate: "57014" })]);
  });

  test("the log level filters: at warn, successes and connections are quiet", () => {
    const { observer: o, lines } = observer(0, "warn");
    o.connectionOpened(connection);
    o.statementFinished(statement);
    o.statementFinished({ ...statement, sqlstate: "22012", message: "division by zero" });
    expect(lines.map((l) => l.msg)).toEqual(["slow statement failed"]);
  });
});

describe("loggableText", () => {
  test("masks passwords in role statements and shortens long texts", () => {
    expect(loggableText("ALTER ROLE bob PASSWORD 'hunter2'")).toBe("ALTER ROLE bob PASSWORD '***'");
    expect(loggableText("create user x with password 'it''s' login")).toBe("create user x with password '***' login");
    expect(loggableText("create role y password $$dollar$$")).toBe("create role y password '***'");
    expect(loggableText("select 'password'")).toBe("select 'password'");
    const long = `select '${"x".repeat(5000)}'`;
    expect(loggableText(long).length).toBe(2001);
    expect(loggableText(long).endsWith("…")).toBe(true);
  });
});

describe("the SQL server reports to its observer", () => {
  test("sessions, and each statement with its command, rows, duration and SQLSTATE", async () => {
    const events: { kind: string; [field: string]: unknown }[] = [];
    const recorder: ServerObserver = {
      connectionOpened: (connection) => events.push({ kind: "opened", ...connection }),
      connectionClosed: (connection, durationMs) => events.push({ kind: "closed", ...connection, durationMs }),
      statementFinished: (statement) => events.push({ kind: "statement", ...statement }),
    };
    const dataDir = mkdtempSync(join(tmpdir(), "pgz-observer-"));
    const server = await startPgz({ dataDir, port: 0, observer: recorder });
    try {
      const client = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres", application_name: "observed" });
      await client.connect();
      await client.query("create table t (id int primary key); insert into t values (1), (2)");
      await client.query({ text: "select id from t where id >= $1", values: [1] });
      await client.query("select 1 / 0").catch(() => {});
      await client.query("selec 1").catch(() => {});
      await client.end();
      const deadline = Date.now() + 5000;
      while (!events.some((e) => e.kind === "closed") && Date.now() < deadline) await Bun.sleep(10);

      const opened = events.find((e) => e.kind === "opened")!;
      expect(opened).toMatchObject({ user: "postgres", database: "postgres", applicationName: "observed", remoteAddress: "127.0.0.1" });
      const statements = events.filter((e) => e.kind === "statement");
      expect(statements.map((e) => [e.command, e.text, e.sqlstate, e.rows])).toEqual([
        ["CREATE TABLE", "create table t (id int primary key)", null, undefined],
        ["INSERT", "insert into t values (1), (2)", null, 2],
        ["SELECT", "select id from t where id >= $1", null, 2],
        ["SELECT", "select 1 / 0", "22012", undefined],
        ["UNKNOWN", "selec 1", "42601", undefined],
      ]);
      for (const statement of statements) {
        expect(statement.processId).toBe(opened.processId);
        expect(statement.durationMs as number).toBeGreaterThanOrEqual(0);
      }
      expect(statements[3]!.message).toBe("division by zero");
      const closed = events.find((e) => e.kind === "closed")!;
      expect(closed.processId).toBe(opened.processId);
      expect(closed.durationMs as number).toBeGreaterThan(0);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

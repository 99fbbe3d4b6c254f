// What the server's observer writes to the log: connections with their duration, failed
// statements with their SQLSTATE (warn for the client's mistakes, error for the server's),
// slow statements over the threshold with their text, secrets masked.

import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { createLogger, type LogLevel } from "../../ts/log.ts";
import { loggableText, OpsObserver, ServerMetrics } from "../../ts/metrics/index.ts";

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

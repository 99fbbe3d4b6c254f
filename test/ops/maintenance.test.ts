// VACUUM, ANALYZE and COMPACT from SQL on a real server: VACUUM runs value-log GC through the
// server's job runner and waits for it (the value log shrinks after large values were
// overwritten), COMPACT runs a compaction, both are refused inside a transaction block, and
// bad names and options fail as PostgreSQL's do.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startPgz, type PgzServer } from "../../ts/server.ts";

let dir: string;
let server: PgzServer;
let client: pg.Client;
const notices: { severity: string; message: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pgz-maintenance-"));
  // Small value-log segments, so overwritten values leave whole segments to reclaim.
  server = await startPgz({ dataDir: join(dir, "data"), port: 0, engineOptions: { vlogSegmentSizeBytes: 1024 * 1024 } });
  client = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres" });
  client.on("notice", (notice) => notices.push({ severity: notice.severity ?? "", message: notice.message ?? "" }));
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function sqlState(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? "no code";
  }
  throw new Error("expected the statement to fail");
}

describe("VACUUM", () => {
  test("reclaims the value log after large values were overwritten, through the job runner", async () => {
    await client.query("create table docs (id int primary key, body text)");
    await client.query("insert into docs select g, repeat('a', 4000) from generate_series(1, 500) g");
    for (const fill of ["b", "c", "d"]) await client.query(`update docs set body = repeat('${fill}', 4000)`);
    const before = server.db.stats().vlog;
    const result = await client.query("VACUUM");
    expect(result.command).toBe("VACUUM");
    // The statement returned after the job finished: its effect is already visible.
    const after = server.db.stats().vlog;
    expect(after.vacuum_count).toBeGreaterThan(before.vacuum_count);
    expect(after.segments_deleted).toBeGreaterThan(before.segments_deleted);
    expect(after.file_bytes).toBeLessThan(before.file_bytes / 2);
    expect(server.jobs.list()[0]).toMatchObject({ kind: "vacuum", source: "sql", state: "succeeded" });
    // The data is intact.
    expect((await client.query("select count(*)::int as n, min(body) = max(body) as same, left(min(body), 1) as fill from docs")).rows).toEqual([
      { n: 500, same: true, fill: "d" },
    ]);
  });

  test("on named tables, with VERBOSE and ANALYZE: one job per table, INFO messages", async () => {
    await client.query("create table other (id int primary key)");
    const jobsBefore = server.jobs.list().length;
    notices.length = 0;
    expect((await client.query("vacuum (verbose, analyze) docs, public.other")).command).toBe("VACUUM");
    const jobs = server.jobs.list().slice(0, server.jobs.list().length - jobsBefore);
    expect(jobs.map((j) => [j.kind, j.source, j.state])).toEqual([
      ["vacuum", "sql", "succeeded"],
      ["vacuum", "sql", "succeeded"],
    ]);
    expect(notices.map((n) => n.severity)).toEqual(["INFO", "INFO", "INFO"]);
    expect(notices[0]!.message).toBe('vacuuming "public.docs"');
    expect(notices[1]!.message).toBe('vacuuming "public.other"');
    expect(notices[2]!.message).toMatch(/^value log: \d+ segments removed, \d+ bytes of live values moved, file size \d+ → \d+ bytes/);
    notices.length = 0;
    await client.query("vacuum docs");
    expect(notices).toEqual([]);
  });

  test("errors: inside a transaction block 25001, unknown table 42P01, unknown option 42601", async () => {
    await client.query("begin");
    expect(await sqlState(client.query("vacuum"))).toBe("25001");
    await client.query("rollback");
    expect(await sqlState(client.query("vacuum nope"))).toBe("42P01");
    expect(await sqlState(client.query("vacuum (fast) docs"))).toBe("42601");
    expect(await sqlState(client.query("vacuum nosuchschema.docs"))).toBe("3F000");
  });

  test("ANALYZE is accepted, also in a transaction block; unknown tables still fail", async () => {
    expect((await client.query("analyze")).command).toBe("ANALYZE");
    await client.query("begin");
    expect((await client.query("analyze docs")).command).toBe("ANALYZE");
    await client.query("commit");
    expect(await sqlState(client.query("analyze nope"))).toBe("42P01");
  });
});

describe("COMPACT", () => {
  test("runs a compaction and waits for it; any case, optional semicolon, simple or extended protocol", async () => {
    for (const text of ["COMPACT", "compact;", "  Compact ; "]) {
      const compactions = server.db.stats().compaction.count;
      expect((await client.query(text)).command).toBe("COMPACT");
      expect(server.db.stats().compaction.count).toBeGreaterThan(compactions);
      expect(server.jobs.list()[0]).toMatchObject({ kind: "compact", source: "sql", state: "succeeded" });
    }
    const compactions = server.db.stats().compaction.count;
    expect((await client.query({ name: "compact-prepared", text: "compact" })).command).toBe("COMPACT");
    expect(server.db.stats().compaction.count).toBeGreaterThan(compactions);
  });

  test("refused inside a transaction block; not a keyword inside other statements", async () => {
    await client.query("begin");
    expect(await sqlState(client.query("compact"))).toBe("25001");
    await client.query("rollback");
    expect(await sqlState(client.query("compact; select 1"))).toBe("42601");
    expect(await sqlState(client.query("compact docs"))).toBe("42601");
  });

  test("statement_timeout ends the wait with 57014; the job itself goes on", async () => {
    // The engine's compaction is held until the test lets it go.
    const gate = Promise.withResolvers<void>();
    const compact = server.db.compact;
    server.db.compact = () => gate.promise;
    try {
      await client.query("set statement_timeout = '50ms'");
      expect(await sqlState(client.query("compact"))).toBe("57014");
      await client.query("reset statement_timeout");
      const job = server.jobs.list()[0]!;
      expect(job).toMatchObject({ kind: "compact", source: "sql", state: "running" });
      gate.resolve();
      expect((await server.jobs.wait(job.id)).state).toBe("succeeded");
    } finally {
      server.db.compact = compact;
    }
  });
});

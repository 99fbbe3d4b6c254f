// PostgreSQL's pgbench against a server: `pgbench -i -s 1` with client-side COPY (-I dtgvp,
// the default) and with server-side generation (-I dtGvp), then short runs of TPC-B at 8
// clients in each query mode (simple, prepared, extended) and of select-only (-S). Every run
// must finish with zero failed transactions and no aborted client, and leave the accounts
// consistent: the balances of accounts, tellers and branches all grow by the sum of the deltas
// the run wrote to pgbench_history, one history row per transaction. VACUUM and ANALYZE must
// be accepted.
//
// Target: pgz by default; PGZ_TOOLS_TARGET=postgres runs the same against a throwaway
// PostgreSQL (must pass).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pg from "pg";
import { pgbenchInit, pgbenchRun, type InitMode, type QueryMode, type RunResult } from "../../bench/lib/pgbench.ts";
import type { RunningServer } from "./support/server-info.ts";
import { startTarget, targetFrom } from "./support/target.ts";

const target = targetFrom("PGZ_TOOLS_TARGET");
let server: RunningServer;
let client: pg.Client;

beforeAll(async () => {
  server = await startTarget(target);
  client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end().catch(() => {});
  await server?.stop();
});

interface Sums {
  accounts: bigint;
  tellers: bigint;
  branches: bigint;
  history: bigint;
  historyRows: bigint;
}

async function sums(): Promise<Sums> {
  const result = await client.query<Record<string, string | null>>(
    `SELECT (SELECT sum(abalance) FROM pgbench_accounts) AS accounts,
            (SELECT sum(tbalance) FROM pgbench_tellers) AS tellers,
            (SELECT sum(bbalance) FROM pgbench_branches) AS branches,
            (SELECT sum(delta) FROM pgbench_history) AS history,
            (SELECT count(*) FROM pgbench_history) AS history_rows`,
  );
  const row = result.rows[0]!;
  const big = (value: string | null | undefined) => BigInt(value ?? 0);
  return {
    accounts: big(row.accounts),
    tellers: big(row.tellers),
    branches: big(row.branches),
    history: big(row.history),
    historyRows: big(row.history_rows),
  };
}

async function counts(): Promise<Record<string, number>> {
  const result = await client.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM pgbench_branches) AS branches,
            (SELECT count(*) FROM pgbench_tellers) AS tellers,
            (SELECT count(*) FROM pgbench_accounts) AS accounts,
            (SELECT count(*) FROM pgbench_history) AS history`,
  );
  return Object.fromEntries(Object.entries(result.rows[0]!).map(([name, value]) => [name, Number(value)]));
}

/** What a failed run printed, so the test output says why. */
function explain(result: RunResult): string {
  return [
    `pgbench ${result.args.join(" ")} -> exit ${result.code}${result.timedOut ? " (timed out)" : ""}`,
    `failed ${result.failed}, aborted clients ${result.abortedClients}, tps ${result.tps}`,
    ...result.errors,
    result.stdout.trim(),
  ].join("\n");
}

function expectClean(result: RunResult): void {
  if (!result.ok) console.error(explain(result));
  expect({ code: result.code, failed: result.failed, aborted: result.abortedClients, timedOut: result.timedOut }).toEqual({
    code: 0,
    failed: 0,
    aborted: 0,
    timedOut: false,
  });
  expect(result.tps).toBeGreaterThan(0);
}

describe(`pgbench against ${target}`, () => {
  for (const mode of ["client", "server"] as const satisfies readonly InitMode[]) {
    test(`pgbench -i -s 1 (${mode}-side generation)`, async () => {
      const init = await pgbenchInit(server, { scale: 1, mode });
      if (!init.ok) console.error(init.stderr);
      expect(init.code).toBe(0);
      expect(await counts()).toEqual({ branches: 1, tellers: 10, accounts: 100_000, history: 0 });
      expect(await sums()).toEqual({ accounts: 0n, tellers: 0n, branches: 0n, history: 0n, historyRows: 0n });
    });
  }

  const tpcbRuns: readonly { mode: QueryMode; transactions: number }[] = [
    { mode: "simple", transactions: 200 },
    { mode: "prepared", transactions: 100 },
    { mode: "extended", transactions: 100 },
  ];
  for (const { mode, transactions } of tpcbRuns) {
    test(`TPC-B, 8 clients, -M ${mode}: no failures, balances consistent`, async () => {
      const before = await sums();
      const clients = 8;
      const result = await pgbenchRun(server, { clients, threads: 2, transactions, queryMode: mode, selectOnly: false });
      expectClean(result);
      expect(result.processed).toBe(clients * transactions);
      // pgbench truncates pgbench_history before each run (no -n), so the history holds
      // exactly this run's transactions.
      const after = await sums();
      expect(after.historyRows).toBe(BigInt(clients * transactions));
      expect({
        accounts: after.accounts - before.accounts,
        tellers: after.tellers - before.tellers,
        branches: after.branches - before.branches,
      }).toEqual({ accounts: after.history, tellers: after.history, branches: after.history });
      expect(after.accounts).toBe(after.branches);
      expect(after.tellers).toBe(after.branches);
    });
  }

  for (const mode of ["simple", "prepared", "extended"] as const satisfies readonly QueryMode[]) {
    test(`select-only (-S), 8 clients, -M ${mode}: no failures, nothing changed`, async () => {
      const before = await sums();
      const result = await pgbenchRun(server, { clients: 8, threads: 2, transactions: 500, queryMode: mode, selectOnly: true });
      expectClean(result);
      expect(result.processed).toBe(8 * 500);
      const after = await sums();
      expect({ ...after, history: 0n, historyRows: 0n }).toEqual({ ...before, history: 0n, historyRows: 0n });
      expect(after.historyRows).toBe(0n); // truncated by pgbench's pre-run vacuum step
    });
  }

  test("select-only, 1 client, -M prepared, timed (-T 2)", async () => {
    const result = await pgbenchRun(server, { clients: 1, threads: 1, durationSeconds: 2, queryMode: "prepared", selectOnly: true });
    expectClean(result);
  });

  test("VACUUM and ANALYZE are accepted", async () => {
    for (const statement of [
      "VACUUM",
      "ANALYZE",
      "VACUUM ANALYZE",
      "VACUUM pgbench_accounts",
      "VACUUM (ANALYZE) pgbench_branches, pgbench_tellers",
      "ANALYZE pgbench_history",
    ]) {
      await expect(client.query(statement).then((r) => r.command)).resolves.toBe(statement.split(" ")[0]!);
    }
  });
});

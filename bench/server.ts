// Server benchmark: pgz against PostgreSQL 15 on the same machine in the same run, driven by
// PostgreSQL's own pgbench. Both servers start fresh (PostgreSQL from Debian's packages via
// initdb in a temporary directory, pgz as `bun ts/cli.ts serve` on a temporary data
// directory), both get `pgbench -i` at the same scale, then every workload runs against
// each with the same scale, clients, threads and duration, in rounds that alternate between
// the servers. Prints TPS, average latency and failed transactions for both (TPS and latency
// averaged over the rounds), the pgz/PostgreSQL TPS ratio and each round's ratio, pgz's peak
// RSS, and as the last line one JSON object:
//   { "<workload>": { pgz_tps, postgres_tps, ratio, round_ratios, pgz_latency_ms,
//                     postgres_latency_ms, pgz_failed, postgres_failed }, ...,
//     "pgz_peak_rss_bytes": N }
//
//   bun bench/server.ts                   scale 10, 3 rounds of 10 s per workload (see --help)
//   bun bench/server.ts --quick           scale 1, 1 round of 5 s per workload
//   bun bench/server.ts --only postgres   PostgreSQL alone (checks the harness)
//
// Fairness: commits are durable on both sides — PostgreSQL with fsync and synchronous_commit
// on (otherwise its defaults), pgz with --sync full (fsync before acknowledging). pgbench,
// both servers and this script share the machine, whose state drifts (other work on the host
// of a virtual machine comes and goes): the servers take turns, round by round, so drift over
// the run affects both. The numbers that count are the ratios.

import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pgbenchInit, pgbenchRun, runArgs, type InitMode, type QueryMode, type RunResult } from "./lib/pgbench.ts";
import { startPgz } from "../test/tools/support/pgz.ts";
import { postgresVersion, startPostgres } from "../test/tools/support/postgres.ts";
import type { RunningServer } from "../test/tools/support/server-info.ts";
import { formatBytes } from "./lib/proc.ts";

// ---------------------------------------------------------------- options

interface WorkloadSpec {
  readonly name: string;
  readonly selectOnly: boolean;
  readonly queryMode: QueryMode;
  /** "multi": --clients (default 8) with --threads; otherwise exactly this many clients. */
  readonly clients: "multi" | number;
  readonly byDefault: boolean;
  readonly what: string;
}

const workloadSpecs: readonly WorkloadSpec[] = [
  { name: "tpcb", selectOnly: false, queryMode: "simple", clients: "multi", byDefault: true, what: "TPC-B (built-in script), simple protocol" },
  { name: "select_prepared", selectOnly: true, queryMode: "prepared", clients: "multi", byDefault: true, what: "select-only (-S), -M prepared" },
  { name: "select_prepared_c1", selectOnly: true, queryMode: "prepared", clients: 1, byDefault: true, what: "select-only (-S), -M prepared, 1 client" },
  { name: "select_extended", selectOnly: true, queryMode: "extended", clients: "multi", byDefault: false, what: "select-only (-S), -M extended" },
  { name: "select_simple", selectOnly: true, queryMode: "simple", clients: "multi", byDefault: false, what: "select-only (-S), -M simple" },
  { name: "tpcb_prepared", selectOnly: false, queryMode: "prepared", clients: "multi", byDefault: false, what: "TPC-B, -M prepared" },
  { name: "tpcb_extended", selectOnly: false, queryMode: "extended", clients: "multi", byDefault: false, what: "TPC-B, -M extended" },
];

const { values: flags } = parseArgs({
  options: {
    scale: { type: "string" },
    duration: { type: "string" },
    rounds: { type: "string" },
    clients: { type: "string" },
    threads: { type: "string" },
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    workloads: { type: "string" },
    "all-modes": { type: "boolean", default: false },
    "init-mode": { type: "string" },
    "max-tries": { type: "string" },
    help: { type: "boolean", default: false },
  },
  strict: true,
});

if (flags.help) {
  console.log(`bun bench/server.ts [flags]
  --scale N            pgbench scale factor (default 10; quick 1)
  --duration S         seconds per round, workload and server (default 10; quick 5)
  --rounds N           rounds per workload, alternating the servers (default 3; quick 1)
  --clients N          clients of the multi-client workloads (default 8)
  --threads N          pgbench threads (default 2; never more than the clients)
  --quick              scale 1, 5 s: a smoke run
  --only pgz|postgres  run one server alone (no ratios)
  --workloads a,b,...  of ${workloadSpecs.map((w) => w.name).join(", ")}, or "all"
                       (default ${workloadSpecs.filter((w) => w.byDefault).map((w) => w.name).join(", ")})
  --all-modes          add the -M extended / -M simple select-only and -M prepared / extended TPC-B variants
  --init-mode M        client (pgbench -I dtgvp: COPY from the client, default) or server (-I dtGvp)
  --max-tries N        pgbench --max-tries: retry serialization/deadlock failures (default 1: none)`);
  process.exit(0);
}

function intFlag(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}, not ${value}`);
  return n;
}

function usage(message: string): never {
  console.error(`bench/server.ts: ${message} (see --help)`);
  process.exit(2);
}

const scale = intFlag("scale", flags.scale, flags.quick ? 1 : 10, 1);
const durationSeconds = intFlag("duration", flags.duration, flags.quick ? 5 : 10, 1);
const rounds = intFlag("rounds", flags.rounds, flags.quick ? 1 : 3, 1);
const multiClients = intFlag("clients", flags.clients, 8, 1);
const threads = intFlag("threads", flags.threads, 2, 1);
const maxTries = flags["max-tries"] === undefined ? undefined : intFlag("max-tries", flags["max-tries"], 1, 1);
const initMode = (flags["init-mode"] ?? "client") as InitMode;
if (initMode !== "client" && initMode !== "server") usage(`--init-mode must be client or server, not ${initMode}`);
const only = flags.only;
if (only !== undefined && only !== "pgz" && only !== "postgres") usage(`--only must be pgz or postgres, not ${only}`);

const selected: WorkloadSpec[] = (() => {
  if (flags.workloads === undefined) return workloadSpecs.filter((w) => w.byDefault || flags["all-modes"]);
  if (flags.workloads === "all") return [...workloadSpecs];
  return flags.workloads.split(",").map((name) => {
    const spec = workloadSpecs.find((w) => w.name === name.trim());
    if (spec === undefined) usage(`unknown workload ${name} (workloads: ${workloadSpecs.map((w) => w.name).join(", ")})`);
    return spec;
  });
})();

type ServerName = "pgz" | "postgres";
const serverNames: readonly ServerName[] = only === undefined ? ["postgres", "pgz"] : [only];

interface Workload extends WorkloadSpec {
  /** The JSON key: the name, with the client count for the multi-client ones (tpcb_c8). */
  readonly key: string;
  readonly clientCount: number;
}

const workloads: Workload[] = selected.map((spec) => {
  const clientCount = spec.clients === "multi" ? multiClients : spec.clients;
  return { ...spec, key: spec.clients === "multi" ? `${spec.name}_c${clientCount}` : spec.name, clientCount };
});

// ---------------------------------------------------------------- measuring pgz's memory

/** Peak resident set size of a process (VmHWM), in bytes; null once it is gone. */
function processPeakRssBytes(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

class PeakRssSampler {
  peakBytes = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 500);
  }

  sample(): void {
    const bytes = processPeakRssBytes(this.pid);
    if (bytes !== null && bytes > this.peakBytes) this.peakBytes = bytes;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- output helpers

const loud = (lines: string[]): void => {
  const bar = "!".repeat(78);
  const text = [bar, ...lines.map((line) => `!!! ${line}`), bar].join("\n");
  console.error(text);
  console.log(text);
};

const fmtTps = (tps: number | null): string => (tps === null ? "—" : tps.toFixed(0));
const fmtMs = (ms: number | null): string => (ms === null ? "—" : ms.toFixed(3));
const fmtRatio = (ratio: number | null): string => (ratio === null ? "—" : `${ratio.toFixed(2)}x`);
const pad = (text: string, width: number, right = true): string => (right ? text.padStart(width) : text.padEnd(width));

function describeFailure(server: ServerName, workload: string, result: RunResult): string[] {
  const lines: string[] = [];
  if (result.timedOut) lines.push(`${server} ${workload}: pgbench killed after its time limit`);
  if (result.failed !== null && result.failed > 0) lines.push(`${server} ${workload}: ${result.failed} FAILED TRANSACTIONS`);
  if (result.abortedClients > 0) lines.push(`${server} ${workload}: ${result.abortedClients} client(s) ABORTED`);
  if (result.code !== 0) lines.push(`${server} ${workload}: pgbench exited with ${result.code}`);
  if (result.tps === null) lines.push(`${server} ${workload}: no report from pgbench`);
  for (const error of result.errors.slice(0, 5)) lines.push(`  ${error}`);
  if (result.tps === null && result.errors.length === 0) lines.push(`  ${result.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return lines;
}

/** The mean of the values; null when there are none or one is missing. */
function mean(values: readonly (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return (values as number[]).reduce((sum, v) => sum + v, 0) / values.length;
}

/** Failed transactions over the rounds (a client pgbench aborted is a failure too, though
 * pgbench counts it apart); null when a round has no report. */
function failedOf(rounds: readonly RunResult[]): number | null {
  if (rounds.length === 0 || rounds.some((r) => r.failed === null)) return null;
  return rounds.reduce((sum, r) => sum + (r.failed ?? 0) + r.abortedClients, 0);
}

// ---------------------------------------------------------------- the run

console.log(`server benchmark: pgbench against ${serverNames.join(" and ")}`);
console.log(
  `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), ${formatBytes(totalmem())}; ` +
    `PostgreSQL ${postgresVersion()}; Bun ${Bun.version}`,
);
console.log(
  `scale ${scale}, ${rounds} round(s) of ${durationSeconds} s per workload and server, ${multiClients} clients / ${threads} threads (multi-client workloads), ` +
    `init ${initMode}-side${maxTries !== undefined ? `, --max-tries ${maxTries}` : ""}; durable commits on both`,
);
console.log(`workloads: ${workloads.map((w) => `${w.key} (${w.what})`).join("; ")}`);
console.log("");

const servers = new Map<ServerName, RunningServer>();
let sampler: PeakRssSampler | null = null;
const startFailures = new Map<ServerName, string>();
const initSeconds = new Map<ServerName, number>();
/** Per workload and server, one result per round. */
const results = new Map<string, Map<ServerName, RunResult[]>>();
const problems: string[] = [];

async function stopAll(): Promise<void> {
  sampler?.stop();
  await Promise.all([...servers.values()].map((server) => server.stop().catch(() => {})));
}

process.on("SIGINT", () => {
  void stopAll().then(() => process.exit(130));
});

try {
  for (const name of serverNames) {
    try {
      const server = name === "postgres" ? await startPostgres({ durable: true }) : await startPgz({ sync: "full" });
      servers.set(name, server);
      if (name === "pgz") sampler = new PeakRssSampler(server.pid);
      console.log(`${name}: started on 127.0.0.1:${server.port} (pid ${server.pid})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      startFailures.set(name, message);
      const lastLine = message.trim().split("\n").at(-1) ?? "";
      problems.push(`${name} did not start: ${lastLine.slice(0, 300)}`);
      console.log(`${name}: DID NOT START\n${message.split("\n").slice(0, 20).join("\n")}`);
    }
  }

  for (const [name, server] of servers) {
    const init = await pgbenchInit(server, { scale, mode: initMode });
    if (init.ok) {
      initSeconds.set(name, init.seconds);
      console.log(`${name}: pgbench -i -s ${scale} -I ${init.args[init.args.indexOf("-I") + 1]} in ${init.seconds.toFixed(1)} s`);
    } else {
      const why = init.timedOut ? "timed out" : `exit ${init.code}`;
      problems.push(`${name}: pgbench -i failed (${why})`);
      console.log(`${name}: pgbench -i FAILED (${why}):\n${init.stderr.trim().split("\n").slice(-10).join("\n")}`);
      servers.delete(name);
      await server.stop();
    }
  }
  console.log("");

  let turn = 0;
  for (const workload of workloads) {
    const perServer = new Map<ServerName, RunResult[]>();
    results.set(workload.key, perServer);
    for (let round = 1; round <= rounds; round++) {
      // Alternate which server goes first, so neither always runs right after the other's load.
      const order = turn++ % 2 === 0 ? serverNames : [...serverNames].reverse();
      for (const name of order) {
        const server = servers.get(name);
        if (server === undefined) continue;
        const options = {
          clients: workload.clientCount,
          threads,
          durationSeconds,
          queryMode: workload.queryMode,
          selectOnly: workload.selectOnly,
          maxTries,
        };
        const result = await pgbenchRun(server, options);
        perServer.set(name, [...(perServer.get(name) ?? []), result]);
        sampler?.sample();
        console.log(
          `${pad(workload.key, 22, false)} ${rounds > 1 ? `round ${round}  ` : ""}${pad(name, 8, false)} tps ${pad(fmtTps(result.tps), 8)}  latency ${pad(fmtMs(result.latencyMs), 9)} ms` +
            `  failed ${result.failed ?? "—"}  (pgbench ${runArgs(options).join(" ")})`,
        );
        if (!result.ok) {
          const lines = describeFailure(name, workload.key, result);
          problems.push(...lines.filter((line) => !line.startsWith("  ")));
          loud(lines);
        }
      }
    }
  }
} finally {
  await stopAll();
}

// ---------------------------------------------------------------- report

const pgzPeakRssBytes = sampler === null ? null : (sampler as PeakRssSampler).peakBytes || null;

console.log("");
const header = [
  pad("workload", 22, false), pad("pgz tps", 10), pad("postgres tps", 13), pad("ratio", 7),
  pad("pgz lat ms", 11), pad("pg lat ms", 10), pad("pgz failed", 11), pad("pg failed", 10),
].join(" ");
console.log(header);
console.log("-".repeat(header.length));

type Entry = {
  pgz_tps: number | null;
  postgres_tps: number | null;
  ratio: number | null;
  round_ratios: (number | null)[];
  pgz_latency_ms: number | null;
  postgres_latency_ms: number | null;
  pgz_failed: number | null;
  postgres_failed: number | null;
};
const summary: Record<string, Entry | number | null | Record<string, unknown>> = {};
for (const workload of workloads) {
  const perServer = results.get(workload.key);
  const pgz = perServer?.get("pgz") ?? [];
  const postgres = perServer?.get("postgres") ?? [];
  const ratioOf = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  const ratio = ratioOf(mean(pgz.map((r) => r.tps)), mean(postgres.map((r) => r.tps)));
  const entry: Entry = {
    pgz_tps: mean(pgz.map((r) => r.tps)),
    postgres_tps: mean(postgres.map((r) => r.tps)),
    ratio: ratio === null ? null : Number(ratio.toFixed(3)),
    round_ratios: pgz.map((r, i) => {
      const roundRatio = ratioOf(r.tps, postgres[i]?.tps ?? null);
      return roundRatio === null ? null : Number(roundRatio.toFixed(3));
    }),
    pgz_latency_ms: mean(pgz.map((r) => r.latencyMs)),
    postgres_latency_ms: mean(postgres.map((r) => r.latencyMs)),
    pgz_failed: failedOf(pgz),
    postgres_failed: failedOf(postgres),
  };
  summary[workload.key] = entry;
  console.log(
    [
      pad(workload.key, 22, false), pad(fmtTps(entry.pgz_tps), 10), pad(fmtTps(entry.postgres_tps), 13), pad(fmtRatio(ratio), 7),
      pad(fmtMs(entry.pgz_latency_ms), 11), pad(fmtMs(entry.postgres_latency_ms), 10),
      pad(String(entry.pgz_failed ?? "—"), 11), pad(String(entry.postgres_failed ?? "—"), 10),
    ].join(" ") + (rounds > 1 ? `   rounds: ${entry.round_ratios.map(fmtRatio).join(" ")}` : ""),
  );
}
console.log("");
if (serverNames.includes("pgz")) console.log(`pgz peak RSS: ${pgzPeakRssBytes === null ? "—" : formatBytes(pgzPeakRssBytes)}`);
for (const [name, seconds] of initSeconds) console.log(`${name}: pgbench -i took ${seconds.toFixed(1)} s`);

summary.config = { scale, duration_s: durationSeconds, rounds, clients: multiClients, threads, init_mode: initMode, servers: serverNames };
summary.init_seconds = Object.fromEntries(initSeconds);
summary.pgz_peak_rss_bytes = pgzPeakRssBytes;

if (problems.length > 0) {
  loud(["PROBLEMS IN THIS RUN (numbers above are incomplete or not comparable):", ...problems]);
}
console.log(JSON.stringify(summary));
process.exit(problems.length > 0 ? 1 : 0);

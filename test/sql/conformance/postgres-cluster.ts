// A throwaway PostgreSQL for the conformance suite: one initdb into a temporary template
// directory, then a fresh copy of it per case file, started on a free loopback port. Used by
// scripts/regen-conformance.ts to record expectations and by the test's postgres mode to check
// the runner itself. CI never needs it.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { ConnectionInfo } from "./runner.ts";

/** Where Debian's postgresql-15 package puts the server binaries; PGZ_PG_BIN overrides it. */
export const postgresBinDir = process.env.PGZ_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** Server settings every case file starts from (pgz's defaults are expected to be the same). */
const serverSettings: readonly string[] = [
  "listen_addresses=127.0.0.1",
  "TimeZone=UTC",
  "DateStyle=ISO, MDY",
  "IntervalStyle=postgres",
  "lc_messages=C",
  "max_connections=20",
  "fsync=off",
  "synchronous_commit=off",
  "full_page_writes=off",
  "autovacuum=off", // statistics stay as the statements left them, so plans are repeatable
];

const startupTimeoutMs = 30_000;

export interface RunningServer extends ConnectionInfo {
  stop(): Promise<void>;
}

/** initdb refuses to run as root; then the cluster belongs to this account instead. */
const osUser = process.env.PGZ_PG_OS_USER ?? "postgres";
const asRoot = process.getuid?.() === 0;

function ownerIds(): { uid: number; gid: number } {
  const out = spawnSync("id", ["-u", osUser], { encoding: "utf8" });
  const outG = spawnSync("id", ["-g", osUser], { encoding: "utf8" });
  if (out.status !== 0 || outG.status !== 0) throw new Error(`running as root needs an OS user ${osUser} for PostgreSQL (PGZ_PG_OS_USER)`);
  return { uid: Number(out.stdout.trim()), gid: Number(outG.stdout.trim()) };
}

function command(binary: string, args: string[]): [string, string[]] {
  const path = join(postgresBinDir, binary);
  if (!existsSync(path)) throw new Error(`${path} not found: install PostgreSQL 15 (Debian: postgresql-15) or set PGZ_PG_BIN`);
  if (!asRoot) return [path, args];
  return ["setpriv", [`--reuid=${osUser}`, `--regid=${osUser}`, "--init-groups", "--", path, ...args]];
}

function makeDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const { uid, gid } = ownerIds();
    chownSync(dir, uid, gid);
  }
  return dir;
}

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

async function waitUntilReady(info: ConnectionInfo, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ host: info.host, port: info.port, user: info.user, database: info.database });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${startupTimeoutMs} ms:\n${log()}`);
    await Bun.sleep(50);
  }
}

export class PostgresTemplate {
  private constructor(
    private readonly root: string,
    private readonly template: string,
    readonly version: string,
  ) {}

  /** initdb once (UTF8, locale C, superuser postgres, trust authentication). */
  static create(): PostgresTemplate {
    const root = makeDir("pgz-conformance-");
    const template = join(root, "template");
    const [cmd, args] = command("initdb", [
      "-D", template, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
    ]);
    const result = spawnSync(cmd, args, { encoding: "utf8" });
    if (result.status !== 0) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`initdb failed:\n${result.stdout}\n${result.stderr}`);
    }
    const [vcmd, vargs] = command("postgres", ["--version"]);
    const version = spawnSync(vcmd, vargs, { encoding: "utf8" }).stdout.trim().replace(/^postgres \(PostgreSQL\) /, "PostgreSQL ");
    return new PostgresTemplate(root, template, version);
  }

  /** Starts a server on a fresh copy of the template: every case file sees a new cluster. */
  async start(): Promise<RunningServer> {
    const dataDir = mkdtempSync(join(this.root, "data-"));
    rmSync(dataDir, { recursive: true });
    const copy = spawnSync("cp", ["-a", this.template, dataDir]);
    if (copy.status !== 0) throw new Error(`copying the template cluster failed: ${copy.stderr}`);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const settings = serverSettings.flatMap((setting) => ["-c", setting]);
      const [cmd, args] = command("postgres", ["-D", dataDir, "-p", String(port), "-k", dataDir, ...settings]);
      const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
      let log = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
      const info: ConnectionInfo = { host: "127.0.0.1", port, user: "postgres", database: "postgres" };
      try {
        await waitUntilReady(info, child, () => log);
      } catch (error) {
        child.kill("SIGKILL");
        if (attempt < 5 && /could not bind|address already in use/i.test(log)) continue;
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
      return {
        ...info,
        async stop() {
          if (child.exitCode === null) {
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGINT"); // fast shutdown
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(timer);
          }
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

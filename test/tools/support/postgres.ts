// A throwaway PostgreSQL 15 cluster for the tool tests, the ORM test, the server benchmark and
// the catalog-query capture: initdb into a temporary directory (UTF8, locale C, superuser
// postgres, trust), start `postgres` on a free loopback port with its Unix socket in the data
// directory, delete everything on stop. As root, initdb and postgres run as the `postgres` OS
// user (PGZ_PG_OS_USER), since both refuse to run as root.
//
// The server log goes to a file (never a pipe that could fill and stall the server); with
// logStatements it carries every statement clients send (log_statement = all), which
// statementLog() parses.

import { spawn, spawnSync } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitUntilAccepting, type RunningServer } from "./server-info.ts";

/** Where Debian's postgresql-15 package puts the server binaries; PGZ_PG_BIN overrides it. */
export const postgresBinDir = process.env.PGZ_PG_BIN ?? "/usr/lib/postgresql/15/bin";

const osUser = process.env.PGZ_PG_OS_USER ?? "postgres";
const asRoot = process.getuid?.() === 0;
const startupTimeoutMs = 60_000;
const shutdownTimeoutMs = 30_000;

/** Marks the start of each server log entry, so multi-line statements can be told apart. */
const logPrefix = "@@pgz-log %p %d %a@@ ";

export interface PostgresOptions {
  /**
   * true (default): fsync and synchronous_commit on, as shipped. false: both off, for tests
   * that only check behaviour and should not wait for the disk.
   */
  readonly durable?: boolean;
  /** log_statement = all, for capturing what clients send. */
  readonly logStatements?: boolean;
  /** More `name=value` settings, passed as `-c` options after the defaults. */
  readonly settings?: readonly string[];
}

export interface PostgresServer extends RunningServer {
  readonly kind: "postgres";
  readonly pid: number;
  readonly version: string;
  readonly dataDir: string;
  readonly logPath: string;
  /** The server log so far. */
  log(): string;
}

function ownerIds(): { uid: number; gid: number } {
  const uid = spawnSync("id", ["-u", osUser], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", osUser], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`running as root needs an OS user "${osUser}" to run PostgreSQL as (set PGZ_PG_OS_USER)`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function command(binary: string, args: readonly string[]): [string, string[]] {
  const path = join(postgresBinDir, binary);
  if (!existsSync(path)) throw new Error(`${path} not found: install PostgreSQL 15 (Debian: postgresql-15) or set PGZ_PG_BIN`);
  if (!asRoot) return [path, [...args]];
  return ["setpriv", [`--reuid=${osUser}`, `--regid=${osUser}`, "--init-groups", "--", path, ...args]];
}

function makeOwnedDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const { uid, gid } = ownerIds();
    chownSync(dir, uid, gid);
  }
  return dir;
}

export function postgresVersion(): string {
  const [cmd, args] = command("postgres", ["--version"]);
  return spawnSync(cmd, args, { encoding: "utf8" }).stdout.trim().replace(/^postgres \(PostgreSQL\) /, "");
}

/** initdb, then start the server; resolves once it accepts connections. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const durable = options.durable ?? true;
  const root = makeOwnedDir("pgz-postgres-");
  const dataDir = join(root, "data");
  const logPath = join(root, "server.log");
  const cleanup = () => rmSync(root, { recursive: true, force: true });

  const [icmd, iargs] = command("initdb", [
    "-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
  ]);
  const init = spawnSync(icmd, iargs, { encoding: "utf8" });
  if (init.status !== 0) {
    cleanup();
    throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`);
  }
  const version = postgresVersion();

  const settings = [
    "listen_addresses=127.0.0.1",
    `unix_socket_directories=${root}`,
    `fsync=${durable ? "on" : "off"}`,
    `synchronous_commit=${durable ? "on" : "off"}`,
    `log_line_prefix=${logPrefix}`,
    "lc_messages=C",
    ...(options.logStatements ? ["log_statement=all", "log_min_error_statement=error"] : []),
    ...(options.settings ?? []),
  ];

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logFd = openSync(logPath, "a");
    if (asRoot) {
      const { uid, gid } = ownerIds();
      chownSync(logPath, uid, gid);
    }
    const [cmd, args] = command("postgres", ["-D", dataDir, "-p", String(port), ...settings.flatMap((s) => ["-c", s])]);
    const child = spawn(cmd, args, { stdio: ["ignore", logFd, logFd] });
    closeSync(logFd);
    const pid = child.pid;
    if (pid === undefined) throw new Error("could not start postgres");
    const info: RunningServer = {
      host: "127.0.0.1",
      port,
      user: "postgres",
      database: "postgres",
      pid,
      stop: async () => {},
    };
    const log = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
    const ready = await waitUntilAccepting(child, info, startupTimeoutMs);
    if (!ready) {
      child.kill("SIGKILL");
      if (attempt < 5 && /could not bind|address already in use/i.test(log())) continue;
      const text = log();
      cleanup();
      throw new Error(`postgres did not start:\n${text}`);
    }
    let stopped = false;
    return {
      ...info,
      kind: "postgres",
      pid,
      version,
      dataDir,
      logPath,
      log,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGINT"); // fast shutdown
          const timer = setTimeout(() => child.kill("SIGKILL"), shutdownTimeoutMs);
          await exited;
          clearTimeout(timer);
        }
        cleanup();
      },
    };
  }
}

// ---------------------------------------------------------------- statement log

export interface LoggedStatement {
  /** Backend process id: one per connection. */
  readonly pid: number;
  readonly database: string;
  readonly application: string;
  /** "statement" (simple query), "parse", "bind" or "execute" (extended protocol). */
  readonly kind: string;
  /** The prepared statement's name for extended-protocol entries ("<unnamed>" if none). */
  readonly name: string | null;
  readonly sql: string;
  /** The DETAIL line with the parameters of an execute, when there was one. */
  readonly parameters: string | null;
}

/**
 * The statements in a log written with logStatements, in order. Error entries are returned as
 * kind "error" with the message as sql (and the failing statement follows as its own entry).
 */
export function parseStatementLog(text: string): LoggedStatement[] {
  const entries: { pid: number; database: string; application: string; body: string }[] = [];
  const head = /^@@pgz-log (\d+) (\S*) (.*?)@@ (.*)$/;
  for (const line of text.split("\n")) {
    const match = head.exec(line);
    if (match) entries.push({ pid: Number(match[1]), database: match[2] ?? "", application: match[3] ?? "", body: match[4] ?? "" });
    // The server indents the continuation lines of a multi-line message with a tab.
    else if (entries.length > 0) entries[entries.length - 1]!.body += `\n${line.replace(/^\t/, "")}`;
  }
  const out: LoggedStatement[] = [];
  for (const entry of entries) {
    const body = entry.body.replace(/\n$/, "");
    let match: RegExpExecArray | null;
    if ((match = /^LOG:  statement: ([\s\S]*)$/.exec(body))) {
      out.push({ pid: entry.pid, database: entry.database, application: entry.application, kind: "statement", name: null, sql: match[1]!, parameters: null });
    } else if ((match = /^LOG:  (execute|parse|bind) ([^:]*?): ([\s\S]*)$/.exec(body))) {
      out.push({ pid: entry.pid, database: entry.database, application: entry.application, kind: match[1]!, name: match[2]!, sql: match[3]!, parameters: null });
    } else if ((match = /^DETAIL:  [Pp]arameters: ([\s\S]*)$/.exec(body))) {
      const last = out[out.length - 1];
      if (last !== undefined && last.pid === entry.pid) out[out.length - 1] = { ...last, parameters: match[1]! };
    } else if ((match = /^ERROR:  ([\s\S]*)$/.exec(body))) {
      out.push({ pid: entry.pid, database: entry.database, application: entry.application, kind: "error", name: null, sql: match[1]!, parameters: null });
    }
  }
  return out;
}

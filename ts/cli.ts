// The pgz command line: `pgz serve` runs the database server (PostgreSQL protocol, plus an
// HTTP endpoint for metrics and admin), configured by flags or PGZ_* environment variables.
//
// Exit codes: 0 after a clean shutdown (or --help), 1 when the server could not start or
// failed, 2 for a bad command line or configuration value (one line on stderr says which).

import { mkdirSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { isatty } from "node:tty";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createHttpApp, type HealthStatus } from "./http/app.ts";
import { adminTokenPattern } from "./http/app.ts";
import { startHttpServer, type HttpServer } from "./http/server.ts";
import { createLogger, logFormats, logLevels, type LogFormat, type Logger, type LogLevel } from "./log.ts";
import { Metrics, OpsObserver, type JobRunner } from "./metrics/index.ts";
import type { PgzConfig, PgzServer } from "./server.ts";
import packageJson from "../package.json" with { type: "json" };

const version = packageJson.version;

// ---------------------------------------------------------------- settings

interface Setting {
  /** Long flag name, without the dashes. */
  readonly flag: string;
  /** Environment variable mirroring the flag. */
  readonly env: string;
  /** What the value is, for --help. */
  readonly metavar: string;
  /** Default as the user would type it; null when the setting is off by default. */
  readonly default: string | null;
  readonly help: string;
}

const settings = [
  { flag: "data-dir", env: "PGZ_DATA_DIR", metavar: "DIR", default: "./pgz-data", help: "data directory (created if missing)" },
  { flag: "listen-addr", env: "PGZ_LISTEN_ADDR", metavar: "HOST:PORT", default: "127.0.0.1:5432", help: "PostgreSQL protocol address; port 0 picks a free one" },
  { flag: "socket-dir", env: "PGZ_SOCKET_DIR", metavar: "DIR", default: null, help: "also listen on the Unix socket DIR/.s.PGSQL.<port>" },
  { flag: "http-addr", env: "PGZ_HTTP_ADDR", metavar: "HOST:PORT", default: "127.0.0.1:9187", help: 'metrics and admin HTTP address, or "off"' },
  { flag: "log-level", env: "PGZ_LOG_LEVEL", metavar: "LEVEL", default: "info", help: logLevels.join(" | ") },
  { flag: "log-format", env: "PGZ_LOG_FORMAT", metavar: "FORMAT", default: "auto", help: "auto (pretty on a terminal, else JSON) | pretty | json" },
  { flag: "auth", env: "PGZ_AUTH", metavar: "METHOD", default: "trust", help: "trust | scram-sha-256" },
  { flag: "password-file", env: "PGZ_PASSWORD_FILE", metavar: "FILE", default: null, help: "password of the postgres superuser (or the password itself in PGZ_PASSWORD)" },
  { flag: "tls-cert", env: "PGZ_TLS_CERT", metavar: "FILE", default: null, help: "PEM certificate (chain) for TLS; needs --tls-key" },
  { flag: "tls-key", env: "PGZ_TLS_KEY", metavar: "FILE", default: null, help: "PEM private key for TLS" },
  { flag: "sync", env: "PGZ_SYNC", metavar: "MODE", default: "full", help: "commit durability: full (fsync before acknowledging) | normal | off" },
  { flag: "cache-size", env: "PGZ_CACHE_SIZE", metavar: "SIZE", default: "128MB", help: "engine block cache (e.g. 64MB, 1GB), as PostgreSQL's shared_buffers" },
  { flag: "max-connections", env: "PGZ_MAX_CONNECTIONS", metavar: "N", default: "100", help: "client sessions allowed at once" },
  { flag: "statement-timeout", env: "PGZ_STATEMENT_TIMEOUT", metavar: "DURATION", default: "0", help: "cancel statements running longer (e.g. 30s, 500ms); 0 = never" },
  { flag: "slow-statement-ms", env: "PGZ_SLOW_STATEMENT_MS", metavar: "MS", default: "1000", help: 'log statements taking at least MS milliseconds; 0 = all, "off" = none' },
  { flag: "shutdown-timeout", env: "PGZ_SHUTDOWN_TIMEOUT", metavar: "DURATION", default: "5s", help: "on SIGINT/SIGTERM, how long running statements may finish" },
  { flag: "admin-token", env: "PGZ_ADMIN_TOKEN", metavar: "TOKEN", default: null, help: "bearer token for the HTTP /admin endpoints (disabled without one)" },
] as const satisfies readonly Setting[];

type SettingName = (typeof settings)[number]["flag"];

/** The password itself, when no password file is given. */
const passwordEnv = "PGZ_PASSWORD";

export interface Address {
  readonly host: string;
  readonly port: number;
}

export type AuthMethod = "trust" | "scram-sha-256";
export type SyncMode = "full" | "normal" | "off";

/** `pgz serve`'s configuration after parsing and validation. */
export interface ServeConfig {
  readonly dataDir: string;
  readonly listen: Address;
  readonly socketDir: string | null;
  readonly http: Address | null;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly auth: AuthMethod;
  readonly password: string | null;
  readonly tls: { readonly cert: string; readonly key: string; readonly certFile: string; readonly keyFile: string } | null;
  readonly sync: SyncMode;
  /** Engine block cache in bytes. */
  readonly cacheSizeBytes: number;
  readonly maxConnections: number;
  /** 0 = no timeout. */
  readonly statementTimeoutMs: number;
  /** null = no slow-statement log. */
  readonly slowStatementMs: number | null;
  readonly shutdownTimeoutMs: number;
  readonly adminToken: string | null;
  /** Where each setting's value came from, for the start-up log. */
  readonly origins: Readonly<Record<SettingName, "flag" | "env" | "default">>;
}

/** A bad command line or setting: reported as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

// ---------------------------------------------------------------- help

export function helpText(): string {
  const width = Math.max(...settings.map((s) => s.flag.length + s.metavar.length + 3));
  const indent = " ".repeat(width + 4);
  const options = settings.flatMap((s) => {
    const where = s.default === null ? `env ${s.env}` : `env ${s.env}, default ${s.default}`;
    return [`  ${`--${s.flag} ${s.metavar}`.padEnd(width)}  ${s.help}`, `${indent}${where}`];
  });
  return [
    "pgz — a PostgreSQL-compatible database",
    "",
    "Usage:",
    "  pgz serve [options]   run the server",
    "  pgz version           print the versions of pgz and its engine",
    "  pgz help              this text",
    "",
    "Options of serve (each also as an environment variable; a flag beats its variable):",
    ...options,
    `  ${passwordEnv.padEnd(width)}  the superuser's password itself, when no password file is given`,
    "",
    "Once running, connect with: psql -h 127.0.0.1 -p 5432 -U postgres",
    "HTTP: GET /metrics, GET /healthz, POST /admin/compact, POST /admin/vacuum, GET /admin/jobs/:id",
    "SIGINT or SIGTERM shuts down gracefully; a second one exits at once.",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------- parsing

type Env = Readonly<Record<string, string | undefined>>;

/** Parses `pgz serve`'s arguments (after the command) and environment; throws UsageError. */
export function parseServeArgs(args: readonly string[], env: Env = process.env): ServeConfig {
  const values = parseFlags(args, true).values;
  const origins = {} as Record<SettingName, "flag" | "env" | "default">;
  const raw = {} as Record<SettingName, { value: string | null; source: string }>;
  for (const setting of settings) {
    const flagValue = values[setting.flag];
    const envValue = env[setting.env];
    if (typeof flagValue === "string") {
      raw[setting.flag] = { value: flagValue, source: `--${setting.flag}` };
      origins[setting.flag] = "flag";
    } else if (envValue !== undefined && envValue !== "") {
      raw[setting.flag] = { value: envValue, source: setting.env };
      origins[setting.flag] = "env";
    } else {
      raw[setting.flag] = { value: setting.default, source: `--${setting.flag}` };
      origins[setting.flag] = "default";
    }
  }
  const get = (name: SettingName) => raw[name];

  const dataDir = nonEmpty(get("data-dir"));
  const tlsCert = get("tls-cert");
  const tlsKey = get("tls-key");
  if ((tlsCert.value === null) !== (tlsKey.value === null)) {
    throw new UsageError(tlsCert.value === null ? "--tls-key needs --tls-cert (PGZ_TLS_CERT) too" : "--tls-cert needs --tls-key (PGZ_TLS_KEY) too");
  }
  const tls =
    tlsCert.value !== null && tlsKey.value !== null
      ? { cert: readPem(tlsCert, "CERTIFICATE"), key: readPem(tlsKey, "PRIVATE KEY"), certFile: tlsCert.value, keyFile: tlsKey.value }
      : null;
  const adminToken = get("admin-token").value;
  if (adminToken !== null && !adminTokenPattern.test(adminToken)) {
    throw new UsageError(`invalid ${get("admin-token").source}: use letters, digits and . _ ~ + / - only (e.g. the output of \`openssl rand -hex 32\`)`);
  }
  return {
    dataDir: resolve(dataDir),
    listen: parseAddress(get("listen-addr")),
    socketDir: optionalPath(get("socket-dir")),
    http: get("http-addr").value === "off" ? null : parseAddress(get("http-addr")),
    logLevel: oneOf(get("log-level"), logLevels),
    logFormat: oneOf(get("log-format"), logFormats),
    auth: oneOf(get("auth"), ["trust", "scram-sha-256"] as const),
    password: readPassword(get("password-file"), env),
    tls,
    sync: oneOf(get("sync"), ["full", "normal", "off"] as const),
    cacheSizeBytes: size(get("cache-size"), 1 << 20, 64 * 2 ** 30),
    maxConnections: integer(get("max-connections"), 1, 10_000),
    statementTimeoutMs: duration(get("statement-timeout")),
    slowStatementMs: slowThreshold(get("slow-statement-ms")),
    shutdownTimeoutMs: duration(get("shutdown-timeout")),
    adminToken,
    origins,
  };
}

function parseFlags(args: readonly string[], serve: boolean) {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "V" },
  };
  if (serve) for (const setting of settings) options[setting.flag] = { type: "string" };
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: !serve });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]} (see pgz serve --help)`;
  const missing = /Option '(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument ${positional[1]} (see pgz serve --help)`;
  return message;
}

interface RawValue {
  readonly value: string | null;
  /** The flag or variable it came from, to name it in an error. */
  readonly source: string;
}

function nonEmpty(raw: RawValue): string {
  if (raw.value === null || raw.value.trim() === "") throw new UsageError(`${raw.source} must not be empty`);
  return raw.value;
}

function optionalPath(raw: RawValue): string | null {
  return raw.value === null ? null : resolve(nonEmpty(raw));
}

function oneOf<const T extends string>(raw: RawValue, choices: readonly T[]): T {
  const value = raw.value ?? "";
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`invalid ${raw.source} "${value}": expected ${listOf(choices)}`);
}

function listOf(choices: readonly string[]): string {
  return choices.length < 2 ? choices.join("") : `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}`;
}

function integer(raw: RawValue, min: number, max: number): number {
  const value = raw.value ?? "";
  if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid ${raw.source} "${value}": expected a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`invalid ${raw.source} ${value}: must be between ${min} and ${max}`);
  return n;
}

/** Milliseconds, or "off" (also -1, PostgreSQL's spelling for log_min_duration_statement). */
function slowThreshold(raw: RawValue): number | null {
  if (raw.value === "off" || raw.value === "-1") return null;
  return integer(raw, 0, 2_147_483_647);
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };

/** "250ms", "30s", "5min", "1h", or a plain number of milliseconds (as PostgreSQL reads them). */
function duration(raw: RawValue): number {
  const value = raw.value ?? "";
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`invalid ${raw.source} "${value}": expected a duration such as 500ms, 30s, 5min or 1h`);
  const ms = Math.round(Number(match[1]) * durationUnits[match[2] ?? "ms"]!);
  if (ms > 2_147_483_647) throw new UsageError(`invalid ${raw.source} "${value}": longer than 24 days`);
  return ms;
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** "128MB", "1GB", "512kB" (PostgreSQL's units, powers of 1024; MiB spellings too) or bytes, within [min, max]. */
function size(raw: RawValue, min: number, max: number): number {
  const value = raw.value ?? "";
  const match = /^(\d+)\s*([kmg]i?b|b)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`invalid ${raw.source} "${value}": expected a size such as 64MB or 1GB`);
  const bytes = Number(match[1]) * sizeUnits[(match[2] ?? "b").toLowerCase()]!;
  if (bytes < min || bytes > max) throw new UsageError(`invalid ${raw.source} "${value}": must be between ${formatSize(min)} and ${formatSize(max)}`);
  return bytes;
}

function formatSize(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}GB`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MB`;
  return `${bytes}B`;
}

export function parseAddress(raw: RawValue): Address {
  const value = raw.value ?? "";
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:[\]]+):(\d+)$/.exec(value);
  const expected = "expected HOST:PORT, e.g. 127.0.0.1:5432, 0.0.0.0:5432 or [::1]:5432";
  if (!match) throw new UsageError(`invalid ${raw.source} "${value}": ${expected}`);
  const host = match[1]!;
  const port = Number(match[2]);
  if (port > 65535) throw new UsageError(`invalid ${raw.source} "${value}": port ${port} is above 65535`);
  const bracketed = value.startsWith("[");
  const ipVersion = isIP(host);
  if (bracketed ? ipVersion !== 6 : ipVersion === 0 && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
    throw new UsageError(`invalid ${raw.source} "${value}": "${host}" is not an IP address or host name`);
  }
  return { host, port };
}

function readFileSetting(raw: RawValue & { value: string }): string {
  try {
    return readFileSync(raw.value, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new UsageError(`cannot read ${raw.source} "${raw.value}": ${reason}`);
  }
}

function readPem(raw: RawValue, kind: string): string {
  const text = readFileSetting(raw as RawValue & { value: string });
  if (!new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(text)) {
    throw new UsageError(`${raw.source} "${raw.value}" holds no PEM ${kind.toLowerCase()}`);
  }
  return text;
}

function readPassword(raw: RawValue, env: Env): string | null {
  let password: string;
  if (raw.value !== null) {
    // A file written by `echo` ends with a newline that is not part of the password.
    password = readFileSetting(raw as RawValue & { value: string }).replace(/\r?\n$/, "");
  } else {
    const fromEnv = env[passwordEnv];
    if (fromEnv === undefined || fromEnv === "") return null;
    password = fromEnv;
  }
  if (password === "") throw new UsageError(`${raw.value !== null ? raw.source : passwordEnv} gives an empty password`);
  return password;
}

// ---------------------------------------------------------------- the server

async function startServer(config: PgzConfig): Promise<PgzServer> {
  // Imported here so `--help` and bad flags answer without loading the SQL layer.
  const { startPgz } = await import("./server.ts");
  return startPgz(config);
}

/** Runs the server until SIGINT/SIGTERM; resolves with the process exit code. */
export async function serve(config: ServeConfig): Promise<number> {
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, fd: 1 });
  const prettyLogs = config.logFormat === "pretty" || (config.logFormat === "auto" && isatty(1));

  /** Start-up failures: one plain line on stderr, and a structured one for log collectors. */
  const fail = (line: string, error?: unknown): number => {
    if (!prettyLogs) logger.fatal({ err: error }, line);
    process.stderr.write(`pgz: ${line}\n`);
    return 1;
  };

  logger.info({ version, config: describeConfig(config) }, "starting pgz");

  // Shutdown requests may come while starting; the first one is remembered, a second forces exit.
  let shutdownSignal: string | null = null;
  const { promise: shutdownRequested, resolve: requestShutdown } = Promise.withResolvers<void>();
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdownSignal !== null) {
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    shutdownSignal = signal;
    logger.info({ signal, shutdownTimeoutMs: config.shutdownTimeoutMs }, "shutting down: no new connections, running statements may finish");
    requestShutdown();
  };
  // A bug that escapes every handler ends the process as it would anyway, but logged with
  // the rest (committed work is safe: commits are durable before they are acknowledged).
  const onCrash = (error: unknown) => {
    logger.fatal({ err: error }, "unexpected error; exiting");
    process.exit(1);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  try {
    return await run(config, logger, fail, shutdownRequested, () => shutdownSignal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  }
}

/** Start, serve until shutdown is requested, stop; resolves with the exit code. */
async function run(
  config: ServeConfig,
  logger: Logger,
  fail: (line: string, error?: unknown) => number,
  shutdownRequested: Promise<void>,
  shutdownSignal: () => string | null,
): Promise<number> {
  const started = performance.now();
  let health: HealthStatus = "starting";
  let server: PgzServer | null = null;
  let jobs: JobRunner | null = null;
  const metrics = new Metrics();
  const observer = new OpsObserver({ metrics: metrics.server, logger, slowStatementMs: config.slowStatementMs });

  let http: HttpServer | null = null;
  if (config.http !== null) {
    const app = createHttpApp({ metrics, jobs: () => jobs, health: () => healthOf(health, server, jobs), adminToken: config.adminToken, logger });
    try {
      http = startHttpServer({ app, host: config.http.host, port: config.http.port });
    } catch (error) {
      return fail(listenFailure("HTTP", config.http, "--http-addr", error), error);
    }
    if (!isLoopback(config.http.host)) {
      logger.warn({ httpAddr: formatAddress(config.http) }, "the HTTP endpoint (metrics, health, admin) is reachable from other hosts");
    }
  }

  try {
    // A signal during start-up skips straight to shutdown.
    if (shutdownSignal() === null) {
      mkdirSync(config.dataDir, { recursive: true });
      server = await startServer({
        dataDir: config.dataDir,
        host: config.listen.host,
        port: config.listen.port,
        socketDir: config.socketDir,
        auth: config.auth,
        ...(config.password === null ? {} : { password: config.password }),
        tls: config.tls && { cert: config.tls.cert, key: config.tls.key },
        maxConnections: config.maxConnections,
        statementTimeoutMs: config.statementTimeoutMs,
        sync: config.sync,
        engineOptions: { blockCacheSizeBytes: config.cacheSizeBytes },
        logger,
        observer,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
      });
    }
  } catch (error) {
    await http?.stop();
    return fail(startFailure(config, error), error);
  }

  if (server !== null) {
    const db = server.db;
    jobs = server.jobs;
    metrics.attachEngine(() => (db.closed ? null : db.stats()));
    metrics.attachJobs(jobs);
    health = "ok";
    logReady(logger, config, server, http);
  }

  await shutdownRequested;
  health = "shutting_down";
  const stopping = performance.now();
  let code = 0;
  try {
    // Running statements get the shutdown timeout; queued jobs are dropped, a running one
    // finishes before the engine closes (see PgzServer.close).
    await server?.close();
  } catch (error) {
    logger.error({ err: error }, "shutdown failed");
    code = 1;
  }
  await http?.stop();
  if (code === 0) {
    const fields = { signal: shutdownSignal(), shutdownMs: Math.round(performance.now() - stopping), uptimeMs: Math.round(performance.now() - started) };
    logger.info(fields, "shut down cleanly");
  }
  return code;
}

function healthOf(status: HealthStatus, server: PgzServer | null, jobs: JobRunner | null): { status: HealthStatus; detail?: string } {
  if (status !== "ok") return { status };
  if (server === null || server.db.closed) return { status: "failing", detail: "the database is closed" };
  // Db.failure() also carries the last failed background job's message; that alone does
  // not make the database unhealthy.
  const engineFailure = server.db.failure();
  if (engineFailure !== "" && engineFailure !== jobs?.lastFailure) return { status: "failing", detail: engineFailure };
  return { status: "ok" };
}

/** The effective configuration for the start-up log (secrets reduced to whether they are set). */
function describeConfig(config: ServeConfig): Record<string, unknown> {
  return {
    dataDir: config.dataDir,
    listenAddr: formatAddress(config.listen),
    socketDir: config.socketDir,
    httpAddr: config.http === null ? "off" : formatAddress(config.http),
    logLevel: config.logLevel,
    logFormat: config.logFormat,
    auth: config.auth,
    password: config.password === null ? "unset" : "set",
    tls: config.tls === null ? "off" : { cert: config.tls.certFile, key: config.tls.keyFile },
    sync: config.sync,
    cacheSize: formatSize(config.cacheSizeBytes),
    maxConnections: config.maxConnections,
    statementTimeoutMs: config.statementTimeoutMs,
    slowStatementMs: config.slowStatementMs ?? "off",
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    adminToken: config.adminToken === null ? "unset (admin endpoints disabled)" : "set",
    ...settingsFrom(config.origins),
  };
}

/** Which settings flags and variables set (the rest are defaults). */
function settingsFrom(origins: ServeConfig["origins"]): { fromFlags?: string[]; fromEnv?: string[] } {
  const entries = Object.entries(origins);
  const fromFlags = entries.filter(([, origin]) => origin === "flag").map(([name]) => `--${name}`);
  const fromEnv = settings.filter((s) => origins[s.flag] === "env").map((s) => s.env);
  return { ...(fromFlags.length > 0 ? { fromFlags } : {}), ...(fromEnv.length > 0 ? { fromEnv } : {}) };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function formatAddress(address: Address): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function logReady(logger: Logger, config: ServeConfig, server: PgzServer, http: HttpServer | null): void {
  const wildcard = config.listen.host === "0.0.0.0" || config.listen.host === "::";
  const psqlHost = wildcard ? "127.0.0.1" : config.listen.host;
  const connect = [`psql -h ${psqlHost} -p ${server.port} -U postgres`];
  if (server.socketPath !== null && config.socketDir !== null) connect.push(`psql -h ${config.socketDir} -p ${server.port} -U postgres`);
  logger.info(
    {
      listenAddr: formatAddress({ host: config.listen.host, port: server.port }),
      socket: server.socketPath,
      http: http?.url ?? "off",
      metrics: http && `${http.url}/metrics`,
      connect,
    },
    `pgz is ready: connect with \`${connect[0]}\``,
  );
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function listenFailure(what: string, address: Address, flag: string, error: unknown): string {
  const where = formatAddress(address);
  switch (errorCode(error)) {
    case "EADDRINUSE":
      return `cannot listen for ${what} on ${where}: the address is already in use (another pgz or PostgreSQL running?); choose another with ${flag}`;
    case "EADDRNOTAVAIL":
      return `cannot listen for ${what} on ${where}: no network interface has that address; check ${flag}`;
    case "EACCES":
      return `cannot listen for ${what} on ${where}: permission denied (ports below 1024 need privileges); check ${flag}`;
    default:
      return `cannot listen for ${what} on ${where}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function startFailure(config: ServeConfig, error: unknown): string {
  const code = errorCode(error);
  if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES") {
    return listenFailure("PostgreSQL clients", config.listen, "--listen-addr", error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return `could not start with data directory ${config.dataDir}: ${message}`;
}

// ---------------------------------------------------------------- entry point

/** Runs the command line; resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "serve": {
        const { values } = parseFlags(rest, true);
        if (values.help) {
          process.stdout.write(helpText());
          return 0;
        }
        if (values.version) return printVersion();
        return await serve(parseServeArgs(rest));
      }
      case "version":
      case "--version":
      case "-V":
        return printVersion();
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(helpText());
        return 0;
      case undefined:
        process.stderr.write(helpText());
        return 2;
      default:
        throw new UsageError(`unknown command "${command}" (commands: serve, version, help)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`pgz: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function printVersion(): Promise<number> {
  const { Db } = await import("./engine/index.ts");
  process.stdout.write(`pgz ${version} (engine ${Db.version()}, Bun ${Bun.version})\n`);
  return 0;
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // Exit explicitly: metric collectors and the like may hold timers open.
  process.exit(code);
}

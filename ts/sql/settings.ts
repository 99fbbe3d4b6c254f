// Session settings (PostgreSQL's GUCs) that drivers send and psql shows: their defaults,
// how SET values are checked and normalized, how SHOW prints them, and which are reported
// to the client with ParameterStatus.

import { SqlError, SqlState } from "./errors.ts";
import { resolveTimeZoneSetting } from "./types/index.ts";

// pgz answers as PostgreSQL 15: psql and pgbench choose their catalog queries by the server's
// version, and pgz's pg_catalog follows what PostgreSQL 15 clients send and expect.
export const SERVER_VERSION = "15.0 (pgz 0.1.0)";
export const SERVER_VERSION_NUM = "150000";

interface SettingSpec {
  /** The spelling SHOW ALL and ParameterStatus use. */
  readonly name: string;
  readonly default: string;
  readonly description: string;
  /** Sent with ParameterStatus when it changes. */
  readonly reported?: boolean;
  /** Cannot be changed in a session. */
  readonly readOnly?: boolean;
  /** Checks and normalizes a new value (throws 22023 and friends). */
  readonly normalize?: (value: string, current: string) => string;
}

function invalidValue(name: string, value: string, help: { hint?: string; detail?: string } = {}): SqlError {
  return new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "${name}": "${value}"`, help);
}

function booleanSetting(name: string) {
  return (value: string): string => {
    const v = value.trim().toLowerCase();
    if (["on", "true", "yes", "1", "t", "y"].includes(v)) return "on";
    if (["off", "false", "no", "0", "f", "n"].includes(v)) return "off";
    throw new SqlError(SqlState.invalidParameterValue, `parameter "${name}" requires a Boolean value`);
  };
}

const timeUnits: readonly [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** Parses a duration setting ("5s", "100", "1min") into milliseconds. */
export function parseDurationMs(name: string, value: string): number {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|min|h|d|us)?\s*$/.exec(value);
  if (!match) {
    // As in PostgreSQL, the list of units is offered only when a number was given.
    const hint = /^\s*-?\d/.test(value) ? 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".' : undefined;
    throw invalidValue(name, value, hint ? { hint } : {});
  }
  const amount = Number(match[1]);
  const unit = match[2] ?? "ms";
  const factor = unit === "us" ? 0.001 : timeUnits.find(([u]) => u === unit)![1];
  const ms = Math.round(amount * factor);
  if (ms < 0 || ms > 2147483647) {
    throw new SqlError(SqlState.invalidParameterValue, `${ms} ms is outside the valid range for parameter "${name}" (0 .. 2147483647)`);
  }
  return ms;
}

/** PostgreSQL prints durations in the largest unit that divides them. */
function formatDurationMs(ms: number): string {
  if (ms === 0) return "0";
  for (const [unit, factor] of timeUnits) if (ms % factor === 0) return `${ms / factor}${unit}`;
  return `${ms}ms`;
}

function durationSetting(name: string) {
  return (value: string): string => formatDurationMs(parseDurationMs(name, value));
}

const memoryUnits: readonly [string, number][] = [
  ["TB", 1024 ** 3],
  ["GB", 1024 ** 2],
  ["MB", 1024],
  ["kB", 1],
];

/** Memory settings in kB ("64MB", "4096"). */
export function parseMemoryKb(name: string, value: string): number {
  const match = /^\s*(\d+)\s*(kB|MB|GB|TB|B)?\s*$/.exec(value);
  if (!match) {
    const hint = /^\s*\d/.test(value) ? 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".' : undefined;
    throw invalidValue(name, value, hint ? { hint } : {});
  }
  const amount = Number(match[1]);
  const unit = match[2] ?? "kB";
  const kb = unit === "B" ? Math.ceil(amount / 1024) : amount * memoryUnits.find(([u]) => u === unit)![1];
  if (kb < 64 || kb > 2147483647) {
    throw new SqlError(SqlState.invalidParameterValue, `${kb} kB is outside the valid range for parameter "${name}" (64 .. 2147483647)`);
  }
  return kb;
}

function formatMemoryKb(kb: number): string {
  for (const [unit, factor] of memoryUnits) if (kb % factor === 0) return `${kb / factor}${unit}`;
  return `${kb}kB`;
}

function oneOf(name: string, allowed: readonly string[], canonical?: (v: string) => string) {
  return (value: string): string => {
    const v = value.trim().toLowerCase();
    const found = allowed.find((a) => a.toLowerCase() === v);
    if (found === undefined) throw invalidValue(name, value, { hint: `Available values: ${allowed.join(", ")}.` });
    return canonical ? canonical(found) : found;
  };
}

/** DateStyle: parts not given keep their current value ('ISO' after 'German' stays DMY). */
function normalizeDateStyle(value: string, current: string): string {
  let [style = "ISO", order = "MDY"] = current.split(", ");
  for (const part of value.split(",").map((p) => p.trim().toLowerCase())) {
    if (part === "iso") style = "ISO";
    else if (part === "mdy" || part === "us" || part === "noneuropean") order = "MDY";
    else if (part === "dmy" || part === "euro" || part === "european") order = "DMY";
    else if (part === "ymd") order = "YMD";
    else if (part === "sql") style = "SQL";
    else if (part === "postgres") style = "Postgres";
    else if (part === "german") {
      style = "German";
      if (!/dmy|mdy|ymd|euro|us/i.test(value)) order = "DMY";
    } else if (part !== "default") throw invalidValue("DateStyle", value, { detail: `Unrecognized key word: "${part}".` });
  }
  return `${style}, ${order}`;
}

function normalizeEncoding(value: string): string {
  const v = value.trim().toUpperCase().replace(/[-_]/g, "");
  if (v === "UTF8" || v === "UNICODE") return "UTF8";
  const known = ["SQLASCII", "LATIN1", "LATIN2", "WIN1252", "WIN1251", "EUCJP", "SJIS", "BIG5", "GBK", "ISO88591", "KOI8R", "EUCKR"];
  if (known.includes(v)) {
    throw new SqlError(SqlState.featureNotSupported, `conversion between ${value.trim().toUpperCase()} and UTF8 is not supported`);
  }
  throw invalidValue("client_encoding", value);
}

function normalizeTimeZone(value: string): string {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === "utc") return "UTC";
  resolveTimeZoneSetting(trimmed);
  return trimmed;
}

function normalizeIsolation(name: string) {
  return oneOf(name, ["serializable", "repeatable read", "read committed", "read uncommitted"]);
}

function integerSetting(name: string, min: number, max: number) {
  return (value: string): string => {
    const trimmed = value.trim();
    if (!/^[-+]?\d+$/.test(trimmed)) throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "${name}": "${value}"`);
    const n = Number(trimmed);
    if (n < min || n > max) {
      throw new SqlError(SqlState.invalidParameterValue, `${n} is outside the valid range for parameter "${name}" (${min} .. ${max})`);
    }
    return String(n);
  };
}

const specs: readonly SettingSpec[] = [
  { name: "application_name", default: "", description: "Sets the application name to be reported in statistics and logs.", reported: true },
  { name: "client_encoding", default: "UTF8", description: "Sets the client's character set encoding.", reported: true, normalize: normalizeEncoding },
  { name: "server_encoding", default: "UTF8", description: "Shows the server (database) character set encoding.", reported: true, readOnly: true },
  { name: "DateStyle", default: "ISO, MDY", description: "Sets the display format for date and time values.", reported: true, normalize: normalizeDateStyle },
  { name: "IntervalStyle", default: "postgres", description: "Sets the display format for interval values.", reported: true, normalize: oneOf("IntervalStyle", ["postgres", "postgres_verbose", "sql_standard", "iso_8601"]) },
  { name: "TimeZone", default: "UTC", description: "Sets the time zone for displaying and interpreting time stamps.", reported: true, normalize: normalizeTimeZone },
  { name: "extra_float_digits", default: "1", description: "Sets the number of digits displayed for floating-point values.", normalize: integerSetting("extra_float_digits", -15, 3) },
  { name: "search_path", default: '"$user", public', description: "Sets the schema search order for names that are not schema-qualified." },
  { name: "statement_timeout", default: "0", description: "Sets the maximum allowed duration of any statement.", normalize: durationSetting("statement_timeout") },
  { name: "lock_timeout", default: "0", description: "Sets the maximum allowed duration of any wait for a lock.", normalize: durationSetting("lock_timeout") },
  { name: "idle_in_transaction_session_timeout", default: "0", description: "Sets the maximum allowed idle time between queries, when in a transaction.", normalize: durationSetting("idle_in_transaction_session_timeout") },
  { name: "idle_session_timeout", default: "0", description: "Sets the maximum allowed idle time between queries, when not in a transaction.", normalize: durationSetting("idle_session_timeout") },
  { name: "standard_conforming_strings", default: "on", description: "Causes '...' strings to treat backslashes literally.", reported: true, normalize: (v) => {
    const b = booleanSetting("standard_conforming_strings")(v);
    if (b === "off") throw new SqlError(SqlState.featureNotSupported, "standard_conforming_strings = off is not supported");
    return b;
  } },
  { name: "default_transaction_isolation", default: "read committed", description: "Sets the transaction isolation level of each new transaction.", normalize: normalizeIsolation("default_transaction_isolation") },
  { name: "transaction_isolation", default: "read committed", description: "Sets the current transaction's isolation level.", normalize: normalizeIsolation("transaction_isolation") },
  { name: "default_transaction_read_only", default: "off", description: "Sets the default read-only status of new transactions.", reported: true, normalize: booleanSetting("default_transaction_read_only") },
  { name: "transaction_read_only", default: "off", description: "Sets the current transaction's read-only status.", normalize: booleanSetting("transaction_read_only") },
  { name: "default_transaction_deferrable", default: "off", description: "Sets the default deferrable status of new transactions.", normalize: booleanSetting("default_transaction_deferrable") },
  { name: "transaction_deferrable", default: "off", description: "Whether to defer a read-only serializable transaction until it can be executed with no possible serialization failures.", normalize: booleanSetting("transaction_deferrable") },
  { name: "server_version", default: SERVER_VERSION, description: "Shows the server version.", reported: true, readOnly: true },
  { name: "server_version_num", default: SERVER_VERSION_NUM, description: "Shows the server version as an integer.", readOnly: true },
  { name: "work_mem", default: "64MB", description: "Sets the maximum memory to be used for query workspaces (sort, hash, aggregate); beyond it a query fails with 53200.", normalize: (v) => formatMemoryKb(parseMemoryKb("work_mem", v)) },
  { name: "maintenance_work_mem", default: "64MB", description: "Sets the maximum memory to be used for maintenance operations.", normalize: (v) => formatMemoryKb(parseMemoryKb("maintenance_work_mem", v)) },
  { name: "max_connections", default: "100", description: "Sets the maximum number of concurrent connections.", readOnly: true },
  { name: "integer_datetimes", default: "on", description: "Shows whether datetimes are integer based.", reported: true, readOnly: true },
  { name: "is_superuser", default: "on", description: "Shows whether the current user is a superuser.", reported: true, readOnly: true },
  { name: "session_authorization", default: "postgres", description: "Sets the session user name.", reported: true, readOnly: true },
  { name: "in_hot_standby", default: "off", description: "Shows whether hot standby is currently active.", reported: true, readOnly: true },
  { name: "scram_iterations", default: "4096", description: "Sets the iteration count for SCRAM secret generation.", reported: true, normalize: integerSetting("scram_iterations", 1, 2147483647) },
  { name: "bytea_output", default: "hex", description: "Sets the output format for bytea.", normalize: (v) => {
    if (v.trim().toLowerCase() === "hex") return "hex";
    if (v.trim().toLowerCase() === "escape") throw new SqlError(SqlState.featureNotSupported, 'bytea_output "escape" is not supported');
    throw invalidValue("bytea_output", v);
  } },
  { name: "client_min_messages", default: "notice", description: "Sets the message levels that are sent to the client.", normalize: oneOf("client_min_messages", ["debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"]) },
  { name: "lc_collate", default: "C", description: "Shows the collation order locale.", readOnly: true },
  { name: "lc_ctype", default: "C", description: "Shows the character classification and case conversion locale.", readOnly: true },
  { name: "lc_messages", default: "C", description: "Sets the language in which messages are displayed." },
  { name: "lc_monetary", default: "C", description: "Sets the locale for formatting monetary amounts." },
  { name: "lc_numeric", default: "C", description: "Sets the locale for formatting numbers." },
  { name: "lc_time", default: "C", description: "Sets the locale for formatting date and time values." },
  { name: "max_identifier_length", default: "63", description: "Shows the maximum identifier length.", readOnly: true },
  { name: "block_size", default: "8192", description: "Shows the size of a disk block.", readOnly: true },
  { name: "synchronous_commit", default: "on", description: "Sets the current transaction's synchronization level.", normalize: oneOf("synchronous_commit", ["local", "remote_write", "remote_apply", "on", "off"]) },
  { name: "row_security", default: "on", description: "Enable row security.", normalize: booleanSetting("row_security") },
  { name: "jit", default: "off", description: "Allow JIT compilation.", normalize: booleanSetting("jit") },
  { name: "check_function_bodies", default: "on", description: "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.", normalize: booleanSetting("check_function_bodies") },
  { name: "xmloption", default: "content", description: "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.", normalize: oneOf("xmloption", ["content", "document"]) },
  { name: "default_tablespace", default: "", description: "Sets the default tablespace to create tables and indexes in." },
  { name: "enable_seqscan", default: "on", description: "Enables the planner's use of sequential-scan plans.", normalize: booleanSetting("enable_seqscan") },
  { name: "enable_indexscan", default: "on", description: "Enables the planner's use of index-scan plans.", normalize: booleanSetting("enable_indexscan") },
  { name: "enable_hashjoin", default: "on", description: "Enables the planner's use of hash join plans.", normalize: booleanSetting("enable_hashjoin") },
  { name: "password_encryption", default: "scram-sha-256", description: "Chooses the algorithm for encrypting passwords.", normalize: oneOf("password_encryption", ["scram-sha-256"]) },
  { name: "default_statistics_target", default: "100", description: "Sets the default statistics target.", normalize: integerSetting("default_statistics_target", 1, 10000) },
  { name: "timezone_abbreviations", default: "Default", description: "Selects a file of time zone abbreviations." },
  { name: "log_statement", default: "none", description: "Sets the type of statements logged.", normalize: oneOf("log_statement", ["none", "ddl", "mod", "all"]) },
  { name: "log_min_duration_statement", default: "-1", description: "Sets the minimum execution time above which all statements will be logged.", normalize: integerSetting("log_min_duration_statement", -1, 2147483647) },
  { name: "vacuum_cost_delay", default: "0", description: "Vacuum cost delay in milliseconds." },
  { name: "maintenance_io_concurrency", default: "10", description: "A variant of effective_io_concurrency that is used for maintenance work." },
];

const byLowerName = new Map(specs.map((spec) => [spec.name.toLowerCase(), spec]));
const defaults = new Map(specs.map((spec) => [spec.name, spec.default]));

export function settingSpec(name: string): SettingSpec | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** The canonical spelling of a setting name, or 42704 when it is unknown. */
export function canonicalSettingName(name: string): string {
  const spec = settingSpec(name);
  if (spec) return spec.name;
  // Placeholder variables ("myapp.flag") are accepted, as PostgreSQL does.
  if (name.includes(".")) return name.toLowerCase();
  throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${name}"`);
}

/** A session's settings, with the SET LOCAL layer of the current transaction. */
export class Settings {
  private readonly session = new Map<string, string>();
  /** Values to restore at transaction end (SET and SET LOCAL inside a transaction). */
  private transactionUndo: Map<string, string | undefined> | null = null;
  private localNames = new Set<string>();
  /** Names whose value changed since the last takeChanged() (for ParameterStatus). */
  private changed = new Set<string>();
  /** Bumped on every change, so derived values can be cached. */
  version = 0;

  constructor(overrides: ReadonlyMap<string, string> = new Map()) {
    for (const [name, value] of overrides) this.session.set(name, value);
  }

  get(name: string): string {
    const canonical = canonicalSettingName(name);
    const value = this.session.get(canonical);
    if (value !== undefined) return value;
    const spec = settingSpec(canonical);
    if (spec) return spec.default;
    throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${name}"`);
  }

  /** A value without checks, for internal settings that are always present. */
  fast(name: string): string {
    return this.session.get(name) ?? defaults.get(name)!;
  }

  /** Checks and normalizes `value` for `name` without setting it. */
  check(name: string, value: string): { name: string; value: string } {
    const canonical = canonicalSettingName(name);
    const spec = settingSpec(canonical);
    if (spec?.readOnly) throw new SqlError(SqlState.cantChangeRuntimeParam, `parameter "${canonical}" cannot be changed`);
    return { name: canonical, value: spec?.normalize ? spec.normalize(value, this.session.get(canonical) ?? spec.default) : value };
  }

  /**
   * SET (local = false) or SET LOCAL. Inside a transaction the old value is restored if the
   * transaction rolls back (SET) or in any case when it ends (SET LOCAL).
   */
  set(name: string, value: string, options: { local: boolean; inTransaction: boolean }): void {
    const checked = this.check(name, value);
    if (options.inTransaction) {
      this.transactionUndo ??= new Map();
      if (!this.transactionUndo.has(checked.name)) this.transactionUndo.set(checked.name, this.session.get(checked.name));
      if (options.local) this.localNames.add(checked.name);
      else this.localNames.delete(checked.name);
    } else if (options.local) {
      // SET LOCAL outside a transaction block has no effect (PostgreSQL warns).
      return;
    }
    this.assign(checked.name, checked.value);
  }

  /** Sets a value directly (startup parameters, internal changes). */
  assign(name: string, value: string): void {
    const before = this.session.get(name);
    this.session.set(name, value);
    if (before !== value) {
      this.changed.add(name);
      this.version++;
    }
  }

  reset(name: string, options: { inTransaction: boolean }): void {
    const canonical = canonicalSettingName(name);
    const spec = settingSpec(canonical);
    if (spec?.readOnly) throw new SqlError(SqlState.cantChangeRuntimeParam, `parameter "${canonical}" cannot be changed`);
    this.set(canonical, spec ? spec.default : "", { local: false, inTransaction: options.inTransaction });
  }

  /** Transaction end: SET LOCAL values go back; on rollback, SET values too. */
  endTransaction(committed: boolean): void {
    const undo = this.transactionUndo;
    this.transactionUndo = null;
    if (!undo) return;
    for (const [name, before] of undo) {
      if (committed && !this.localNames.has(name)) continue;
      if (before === undefined) {
        this.session.delete(name);
        this.changed.add(name);
        this.version++;
      } else this.assign(name, before);
    }
    this.localNames = new Set();
  }

  /** Snapshot for savepoints. */
  saveUndo(): Map<string, string | undefined> {
    const snapshot = new Map<string, string | undefined>();
    for (const name of this.transactionUndo?.keys() ?? []) snapshot.set(name, this.session.get(name));
    return snapshot;
  }

  /** Names changed since the last call. */
  takeChanged(): readonly string[] {
    // Asked after every statement; almost always nothing changed.
    if (this.changed.size === 0) return noNames;
    const names = [...this.changed];
    this.changed.clear();
    return names;
  }

  /** Every setting for SHOW ALL, sorted by name. */
  all(): { name: string; setting: string; description: string }[] {
    const rows = specs.map((spec) => ({ name: spec.name, setting: this.session.get(spec.name) ?? spec.default, description: spec.description }));
    for (const [name, value] of this.session) {
      if (!settingSpec(name)) rows.push({ name, setting: value, description: "" });
    }
    return rows.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  }
}

const noNames: readonly string[] = Object.freeze([]);

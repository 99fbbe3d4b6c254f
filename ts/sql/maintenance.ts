// VACUUM, ANALYZE and COMPACT: the engine's maintenance as SQL statements. VACUUM runs
// value-log garbage collection and COMPACT a full compaction, both through the server's job
// runner (the one the HTTP admin endpoints use), and both wait for the job to finish, as
// PostgreSQL's VACUUM does; a cancel or statement_timeout ends the wait, not the job.
// ANALYZE is accepted: the planner keeps no statistics to gather.

import type { Ast } from "./ast.ts";
import { bodyOf } from "./ast.ts";
import type { ExecuteSink } from "../pgwire/index.ts";
import { SqlError, SqlState } from "./errors.ts";
import type { SqlSession } from "./session.ts";
import type { TableDef } from "./catalog/defs.ts";
import { findRelation, undefinedTable } from "./catalog/catalog.ts";
import { storageRange } from "./keyspace.ts";
import { JobQueueFullError, JobRunnerClosedError, type JobInfo, type JobKind, type StartJobOptions } from "../metrics/jobs.ts";

/** VACUUM and ANALYZE options PostgreSQL 15 knows; they change nothing in pgz's storage. */
const KNOWN_OPTIONS = new Set([
  "verbose", "analyze", "full", "freeze", "disable_page_skipping", "skip_locked", "index_cleanup", "process_main",
  "process_toast", "truncate", "parallel", "skip_database_stats", "only_database_stats", "buffer_usage_limit",
]);

/** VACUUM [ (options) ] [ table, ... ] and ANALYZE [ table, ... ]. */
export async function runVacuum(session: SqlSession, stmt: Ast.VacuumStmt, sink: ExecuteSink): Promise<string> {
  const vacuum = stmt.is_vacuumcmd === true;
  const command = vacuum ? "VACUUM" : "ANALYZE";
  let verbose = false;
  for (const node of stmt.options ?? []) {
    const option = bodyOf<Ast.DefElem>(node);
    const name = option.defname ?? "";
    if (!KNOWN_OPTIONS.has(name)) throw new SqlError(SqlState.syntaxError, `unrecognized ${command} option "${name}"`);
    if (name === "verbose") verbose = isOn(option);
  }
  const tables: TableDef[] = [];
  for (const node of stmt.rels ?? []) {
    const relation = bodyOf<Ast.VacuumRelation>(node).relation!;
    const table = findTable(session, relation, sink, command);
    if (table) tables.push(table);
  }
  if (!vacuum) return command;
  if (session.inTransactionBlock || session.txn) {
    throw new SqlError(SqlState.activeSqlTransaction, "VACUUM cannot run inside a transaction block");
  }
  const db = session.cluster.db;
  const before = db.stats().vlog;
  const started = performance.now();
  if (stmt.rels === undefined || stmt.rels.length === 0) {
    if (verbose) info(sink, "vacuuming the value log");
    await runJob(session, "vacuum", {}, command);
  } else {
    for (const table of tables) {
      if (verbose) info(sink, `vacuuming "${session.catalog().schemas.get(table.schema)?.name ?? "public"}.${table.name}"`);
      await runJob(session, "vacuum", { range: storageRange(table.storage) }, command);
    }
  }
  if (verbose) {
    const after = db.stats().vlog;
    info(
      sink,
      `value log: ${after.segments_deleted - before.segments_deleted} segments removed, ` +
        `${after.bytes_relocated - before.bytes_relocated} bytes of live values moved, ` +
        `file size ${before.file_bytes} → ${after.file_bytes} bytes, ${after.garbage_bytes} bytes of garbage left; ` +
        `elapsed: ${((performance.now() - started) / 1000).toFixed(2)} s`,
    );
  }
  return command;
}

/** COMPACT: compacts the whole keyspace (obsolete versions and tombstones are dropped). */
export async function runCompact(session: SqlSession): Promise<string> {
  if (session.inTransactionBlock || session.txn) {
    throw new SqlError(SqlState.activeSqlTransaction, "COMPACT cannot run inside a transaction block");
  }
  await runJob(session, "compact", {}, "COMPACT");
  return "COMPACT";
}

/** Queues a job on the server's runner and waits for it; its failure is this statement's. */
async function runJob(session: SqlSession, kind: JobKind, options: StartJobOptions, command: string): Promise<JobInfo> {
  const jobs = session.services.jobs;
  let job: JobInfo;
  try {
    job = jobs.start(kind, { ...options, source: "sql" });
  } catch (error) {
    if (error instanceof JobQueueFullError) {
      throw new SqlError(SqlState.insufficientResources, `could not start ${command}: ${error.message}`);
    }
    if (error instanceof JobRunnerClosedError) {
      throw new SqlError(SqlState.adminShutdown, `could not start ${command}: the server is shutting down`);
    }
    throw error;
  }
  const done = await session.interrupts.until(jobs.wait(job.id));
  if (done.state === "succeeded") return done;
  if (done.state === "cancelled") throw new SqlError(SqlState.adminShutdown, `${command} was cancelled: ${done.error ?? "the server is shutting down"}`);
  throw new SqlError(SqlState.internalError, `${command} failed: ${done.error ?? "unknown error"}`);
}

/** A table named in VACUUM or ANALYZE; other kinds of relation are skipped with a warning, as PostgreSQL does. */
function findTable(session: SqlSession, relation: Ast.RangeVar, sink: ExecuteSink, command: string): TableDef | null {
  const name = relation.relname!;
  const found = findRelation(session.catalog(), session.searchPath(), relation);
  if (!found) throw undefinedTable(relation.schemaname ? `${relation.schemaname}.${name}` : name);
  if (found.kind === "table") return found.table;
  session.notice(sink, `skipping "${name}" --- cannot ${command.toLowerCase()} non-tables or special system tables`, "WARNING");
  return null;
}

function isOn(option: Ast.DefElem): boolean {
  const arg = option.arg as { Boolean?: { boolval?: boolean }; Integer?: { ival?: number }; String?: { sval?: string } } | undefined;
  if (arg === undefined) return true;
  if (arg.Boolean) return arg.Boolean.boolval === true;
  if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0;
  const text = (arg.String?.sval ?? "").toLowerCase();
  return text === "on" || text === "true" || text === "yes" || text === "1";
}

/** VACUUM VERBOSE's messages are INFO, which clients always receive. */
function info(sink: ExecuteSink, message: string): void {
  sink.notice({ severity: "INFO", code: SqlState.successfulCompletion, message });
}

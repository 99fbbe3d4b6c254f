// The engine library's symbol table. Signatures mirror include/pgz.h exactly.
import { dlopen, suffix } from "bun:ffi";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where the engine library is: $PGZ_LIBRARY, else the build output next to the sources. */
export function libraryPath(): string {
  const fromEnv = process.env.PGZ_LIBRARY;
  if (fromEnv) return fromEnv;
  const embedded = (globalThis as { __pgzEmbeddedLibrary?: string }).__pgzEmbeddedLibrary;
  if (embedded) return embedded;
  const built = join(import.meta.dir, "..", "..", "zig-out", "lib", `libpgz.${suffix}`);
  if (!existsSync(built)) {
    throw new Error(`engine library not found at ${built}: run \`bun run build:engine\` (or set PGZ_LIBRARY)`);
  }
  return built;
}

const symbols = {
  pgz_version: { args: [], returns: "cstring" },
  pgz_last_error: { args: [], returns: "cstring" },
  pgz_open: { args: ["ptr", "usize", "ptr", "usize", "ptr"], returns: "i32" },
  pgz_close: { args: ["ptr"], returns: "i32" },
  pgz_get: { args: ["ptr", "ptr", "usize", "ptr", "usize", "ptr"], returns: "i32" },
  pgz_put: { args: ["ptr", "ptr", "usize", "ptr", "usize"], returns: "i32" },
  pgz_delete: { args: ["ptr", "ptr", "usize"], returns: "i32" },
  pgz_txn_begin: { args: ["ptr", "u32", "ptr"], returns: "i32" },
  pgz_txn_get: { args: ["ptr", "u32", "ptr", "usize", "ptr", "usize", "ptr"], returns: "i32" },
  pgz_txn_put: { args: ["ptr", "ptr", "usize", "ptr", "usize"], returns: "i32" },
  pgz_txn_delete: { args: ["ptr", "ptr", "usize"], returns: "i32" },
  pgz_txn_write_batch: { args: ["ptr", "ptr", "usize"], returns: "i32" },
  pgz_txn_savepoint: { args: ["ptr", "ptr"], returns: "i32" },
  pgz_txn_rollback_to: { args: ["ptr", "u64"], returns: "i32" },
  pgz_txn_refresh: { args: ["ptr"], returns: "i32" },
  pgz_txn_snapshot: { args: ["ptr", "ptr"], returns: "i32" },
  pgz_txn_commit: { args: ["ptr", "ptr"], returns: "i32" },
  pgz_txn_commit_async: { args: ["ptr", "u64"], returns: "i32" },
  pgz_txn_abort: { args: ["ptr"], returns: "i32" },
  pgz_set_notify: { args: ["ptr", "ptr", "u64"], returns: "i32" },
  pgz_completions: { args: ["ptr", "ptr", "usize", "ptr"], returns: "i32" },
  pgz_failure: { args: ["ptr", "ptr", "usize", "ptr"], returns: "i32" },
  pgz_scan: { args: ["ptr", "ptr", "ptr", "usize", "ptr", "usize", "u32", "ptr"], returns: "i32" },
  pgz_iter_next: { args: ["ptr", "ptr", "usize", "ptr", "ptr"], returns: "i32" },
  pgz_iter_close: { args: ["ptr"], returns: "i32" },
  pgz_flush: { args: ["ptr"], returns: "i32" },
  pgz_sync: { args: ["ptr"], returns: "i32" },
  pgz_compact: { args: ["ptr", "ptr", "usize", "ptr", "usize"], returns: "i32" },
  pgz_vacuum: { args: ["ptr", "ptr", "usize", "ptr", "usize"], returns: "i32" },
  pgz_job_start: { args: ["ptr", "u32", "ptr", "usize", "ptr", "usize", "u64"], returns: "i32" },
  pgz_stats: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
  pgz_free: { args: ["ptr"], returns: "void" },
} as const;

/** The names of every function the binding uses (tests compare them with pgz.h and nm). */
export const symbolNames = Object.keys(symbols);

let loaded: ReturnType<typeof dlopen<typeof symbols>> | undefined;

export function lib(): ReturnType<typeof dlopen<typeof symbols>>["symbols"] {
  loaded ??= dlopen(libraryPath(), symbols);
  return loaded.symbols;
}

// The C ABI contract: the library exports exactly what include/pgz.h declares, and bad input
// across the boundary returns a status code, never a crash.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Status } from "../../ts/engine/errors.ts";
import { lib, libraryPath, symbolNames } from "../../ts/engine/ffi.ts";

const header = readFileSync(join(import.meta.dir, "..", "..", "include", "pgz.h"), "utf8")
  .replace(/\/\*[\s\S]*?\*\//g, "")
  .replace(/\(\*\w+\)/g, "");
// Function declarations: a return type, the name, an opening parenthesis.
const declared = [...header.matchAll(/^\s*(?:const\s+)?\w+[\s\*]+(pgz_\w+)\s*\(/gm)].map((m) => m[1]!).sort();

describe("C ABI", () => {
  test("pgz.h declares every function the binding uses, and no others", () => {
    expect(declared.length).toBeGreaterThan(20);
    expect([...symbolNames].sort()).toEqual(declared);
  });

  test("nm -D lists every function in pgz.h and nothing exported by accident", () => {
    const result = spawnSync("nm", ["-D", "--defined-only", libraryPath()], { encoding: "utf8" });
    expect(result.status).toBe(0);
    const exported = result.stdout
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter((parts) => parts.length === 3 && /[TDBR]/.test(parts[1]!))
      .map((parts) => parts[2]!)
      .sort();
    expect(exported).toEqual(declared);
  });

  test("null, made-up and closed handles are refused with PGZ_CLOSED", () => {
    const l = lib();
    const out = new BigUint64Array(2);
    const buffer = new Uint8Array(16);
    const key = new Uint8Array([1, 2, 3]);
    for (const handle of [null, 1, 0x123456, 0x1000]) {
      const h = handle as never;
      expect(l.pgz_get(h, key, key.length, buffer, buffer.length, out)).toBe(Status.closed);
      expect(l.pgz_put(h, key, key.length, key, key.length)).toBe(Status.closed);
      expect(l.pgz_close(h)).toBe(Status.closed);
      expect(l.pgz_txn_put(h, key, key.length, key, key.length)).toBe(Status.closed);
      expect(l.pgz_txn_commit(h, out)).toBe(Status.closed);
      expect(l.pgz_iter_next(h, buffer, buffer.length, out, new Uint32Array(1))).toBe(Status.closed);
      expect(l.pgz_iter_close(h)).toBe(Status.closed);
      expect(l.pgz_stats(h, out, out)).toBe(Status.closed);
    }
    const dir = mkdtempSync(join(tmpdir(), "pgz-abi-"));
    try {
      const path = new TextEncoder().encode(dir);
      expect(l.pgz_open(path, path.length, null, 0, out)).toBe(Status.ok);
      const db = Number(out[0]) as never;
      expect(l.pgz_txn_begin(db, 0, out)).toBe(Status.ok);
      const txn = Number(out[0]) as never;
      expect(l.pgz_close(db)).toBe(Status.ok);
      // Everything that belonged to the closed database is gone too.
      expect(l.pgz_get(db, key, key.length, buffer, buffer.length, out)).toBe(Status.closed);
      expect(l.pgz_txn_put(txn, key, key.length, key, key.length)).toBe(Status.closed);
      expect(l.pgz_close(db)).toBe(Status.closed);
      expect(String(l.pgz_last_error())).toContain("closed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("empty and oversized keys, null buffers, small buffers and bad flags return status codes", () => {
    const l = lib();
    const dir = mkdtempSync(join(tmpdir(), "pgz-abi-"));
    const out = new BigUint64Array(2);
    try {
      const path = new TextEncoder().encode(dir);
      expect(l.pgz_open(path, path.length, null, 0, out)).toBe(Status.ok);
      const db = Number(out[0]) as never;
      const empty = new Uint8Array(0);
      const huge = new Uint8Array(4097);
      const buffer = new Uint8Array(4);
      expect(l.pgz_get(db, empty, 0, buffer, buffer.length, out)).toBe(Status.invalidArgument);
      expect(l.pgz_get(db, null, 5, buffer, buffer.length, out)).toBe(Status.invalidArgument);
      expect(l.pgz_get(db, huge, huge.length, buffer, buffer.length, out)).toBe(Status.tooLarge);
      expect(l.pgz_put(db, huge, huge.length, buffer, 1)).toBe(Status.tooLarge);
      expect(l.pgz_get(db, buffer, 1, null, 10, out)).toBe(Status.invalidArgument);
      const key = new Uint8Array([7]);
      const value = new Uint8Array(100).fill(9);
      expect(l.pgz_put(db, key, 1, value, value.length)).toBe(Status.ok);
      expect(l.pgz_get(db, key, 1, buffer, buffer.length, out)).toBe(Status.bufferTooSmall);
      expect(Number(out[0])).toBe(100);
      expect(l.pgz_txn_begin(db, 0xff00ff, out)).toBe(Status.invalidArgument);
      expect(l.pgz_txn_begin(db, 0, null)).toBe(Status.invalidArgument);
      expect(l.pgz_scan(db, null, null, 0, null, 0, 99, out)).toBe(Status.invalidArgument);
      expect(l.pgz_job_start(db, 42, null, 0, null, 0, 1n)).toBe(Status.invalidArgument);
      const options = new TextEncoder().encode('{"sync":"sometimes"}');
      expect(l.pgz_open(path, path.length, options, options.length, out)).toBe(Status.invalidArgument);
      const unknown = new TextEncoder().encode('{"no_such_option":1}');
      expect(l.pgz_open(path, path.length, unknown, unknown.length, out)).toBe(Status.invalidArgument);
      // A malformed write batch applies nothing.
      expect(l.pgz_txn_begin(db, 0, out)).toBe(Status.ok);
      const txn = Number(out[0]) as never;
      const batch = new Uint8Array([1, 1, 0, 0, 0, 1, 0, 0, 0, 65, 66, 3]);
      expect(l.pgz_txn_write_batch(txn, batch, batch.length)).toBe(Status.invalidArgument);
      expect(l.pgz_txn_get(txn, 0, new Uint8Array([65]), 1, buffer, buffer.length, out)).toBe(Status.notFound);
      expect(l.pgz_txn_abort(txn)).toBe(Status.ok);
      expect(l.pgz_close(db)).toBe(Status.ok);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

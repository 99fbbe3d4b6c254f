import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BusyError,
  ClosedError,
  ConflictError,
  Db,
  InvalidArgumentError,
  TooLargeError,
  keySizeMax,
} from "../../ts/engine/index.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const s = (u: Uint8Array | null) => (u === null ? null : dec.decode(u));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pgz-engine-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("engine binding", () => {
  test("put, get, delete, scan, flush, close, reopen, read back", async () => {
    const big = new Uint8Array(5000).fill(7);
    {
      using db = Db.open(dir);
      await db.put(b("apple"), b("red"));
      await db.put(b("banana"), b("yellow"));
      await db.put(b("cherry"), big);
      await db.delete(b("banana"));
      expect(s(db.get(b("apple")))).toBe("red");
      expect(db.get(b("banana"))).toBeNull();
      expect(db.get(b("cherry"))).toEqual(big);
      await db.flush();
      await db.put(b("apple"), b("green"));
      const keys = [...db.scan()].map(([k]) => s(k));
      expect(keys).toEqual(["apple", "cherry"]);
      const reversed = db.scan({ reverse: true }).toArray().map(([k]) => s(k));
      expect(reversed).toEqual(["cherry", "apple"]);
    }
    using db = Db.open(dir);
    expect(s(db.get(b("apple")))).toBe("green");
    expect(db.get(b("banana"))).toBeNull();
    expect(db.get(b("cherry"))).toEqual(big);
  });

  test("transactions: atomic, isolated, conflicts reported", async () => {
    using db = Db.open(dir);
    await db.put(b("x"), b("0"));
    const t1 = db.begin();
    const t2 = db.begin();
    t1.put(b("x"), b("1"));
    t1.put(b("y"), b("1"));
    expect(s(t1.get(b("x")))).toBe("1");
    expect(db.get(b("y"))).toBeNull();
    await t1.commit();
    expect(s(db.get(b("y")))).toBe("1");
    expect(s(t2.get(b("x")))).toBe("0");
    t2.put(b("x"), b("2"));
    await expect(t2.commit()).rejects.toBeInstanceOf(ConflictError);
    expect(s(db.get(b("x")))).toBe("1");
  });

  test("savepoints and a transaction's own writes in scans", async () => {
    using db = Db.open(dir);
    using txn = db.begin();
    txn.put(b("a"), b("1"));
    const sp = txn.savepoint();
    txn.put(b("b"), b("2"));
    txn.delete(b("a"));
    expect([...txn.scan()].map(([k]) => s(k))).toEqual(["b"]);
    txn.rollbackTo(sp);
    expect([...txn.scan()].map(([k, v]) => `${s(k)}=${s(v)}`)).toEqual(["a=1"]);
  });

  test("bad input gets a clear error, never a crash", async () => {
    using db = Db.open(dir);
    expect(() => db.get(new Uint8Array(0))).toThrow(InvalidArgumentError);
    expect(() => db.get(new Uint8Array(keySizeMax + 1))).toThrow(TooLargeError);
    expect(() => db.get("x" as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    const txn = db.begin();
    txn.abort();
    expect(() => txn.put(b("k"), b("v"))).toThrow(ClosedError);
    expect(() => Db.open(dir)).toThrow(BusyError);
  });

  test("a closed database refuses calls", () => {
    const db = Db.open(dir);
    db.close();
    expect(() => db.get(b("k"))).toThrow(ClosedError);
    db.close();
  });
});

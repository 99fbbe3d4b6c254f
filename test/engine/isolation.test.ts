// Transaction isolation through the binding: no dirty reads, repeatable reads, no lost
// updates, write skew under snapshot isolation and its prevention under serializable.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConflictError, Db } from "../../ts/engine/index.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const s = (u: Uint8Array | null) => (u === null ? null : dec.decode(u));

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pgz-isolation-"));
  db = Db.open(dir);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("isolation", () => {
  test("no dirty reads: uncommitted writes are invisible to others", async () => {
    const writer = db.begin();
    writer.put(b("k"), b("dirty"));
    const reader = db.begin();
    expect(reader.get(b("k"))).toBeNull();
    expect(db.get(b("k"))).toBeNull();
    expect([...db.scan()]).toEqual([]);
    writer.abort();
    reader.abort();
    expect(db.get(b("k"))).toBeNull();
  });

  test("repeatable reads and no phantoms inside a transaction, forward and reverse", async () => {
    await db.put(b("a"), b("1"));
    await db.put(b("c"), b("3"));
    const reader = db.begin({ readOnly: true });
    expect(s(reader.get(b("a")))).toBe("1");
    await db.put(b("a"), b("changed"));
    await db.put(b("b"), b("phantom"));
    await db.delete(b("c"));
    expect(s(reader.get(b("a")))).toBe("1");
    expect(reader.scan().toArray().map(([k, v]) => `${s(k)}=${s(v)}`)).toEqual(["a=1", "c=3"]);
    expect(reader.scan({ reverse: true, upper: b("c") }).toArray().map(([k]) => s(k))).toEqual(["a"]);
    reader.abort();
    expect(db.scan().toArray().map(([k, v]) => `${s(k)}=${s(v)}`)).toEqual(["a=changed", "b=phantom"]);
  });

  test("no lost updates: concurrent increments end at exactly the number that committed", async () => {
    await db.put(b("counter"), b("0"));
    let committed = 0;
    let conflicts = 0;
    const worker = async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const txn = db.begin({ isolation: "snapshot" });
        const value = Number(s(txn.get(b("counter"))));
        // Let other transactions interleave between read and write.
        await Bun.sleep(0);
        txn.put(b("counter"), b(String(value + 1)));
        try {
          await txn.commit();
          committed++;
        } catch (error) {
          expect(error).toBeInstanceOf(ConflictError);
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(committed + conflicts).toBe(160);
    expect(conflicts).toBeGreaterThan(0);
    expect(Number(s(db.get(b("counter"))))).toBe(committed);
  });

  async function writeSkew(isolation: "snapshot" | "serializable"): Promise<number> {
    // Two doctors on call; each may go off call only if the other stays on.
    await db.put(b("alice"), b("on"));
    await db.put(b("bob"), b("on"));
    const t1 = db.begin({ isolation });
    const t2 = db.begin({ isolation });
    const onCall = (t: ReturnType<Db["begin"]>) => ["alice", "bob"].filter((d) => s(t.get(b(d))) === "on").length;
    expect(onCall(t1)).toBe(2);
    expect(onCall(t2)).toBe(2);
    t1.put(b("alice"), b("off"));
    t2.put(b("bob"), b("off"));
    const results = await Promise.allSettled([t1.commit(), t2.commit()]);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ConflictError);
    return ["alice", "bob"].filter((d) => s(db.get(b(d))) === "on").length;
  }

  test("write skew happens under snapshot isolation", async () => {
    expect(await writeSkew("snapshot")).toBe(0);
  });

  test("write skew is prevented under serializable", async () => {
    expect(await writeSkew("serializable")).toBe(1);
  });

  test("serializable validates scanned ranges (no phantom commits into a range read)", async () => {
    await db.put(b("r1"), b("x"));
    const t1 = db.begin({ isolation: "serializable" });
    const t2 = db.begin({ isolation: "serializable" });
    expect(t1.scan({ lower: b("r"), upper: b("s") }).toArray().length).toBe(1);
    t1.put(b("summary"), b("1 row"));
    t2.put(b("r2"), b("y"));
    await t2.commit();
    await expect(t1.commit()).rejects.toBeInstanceOf(ConflictError);
  });

  test("read-only transactions never conflict", async () => {
    await db.put(b("k"), b("1"));
    const reader = db.begin({ isolation: "serializable", readOnly: true });
    expect(s(reader.get(b("k")))).toBe("1");
    await db.put(b("k"), b("2"));
    await reader.commit();
  });
});

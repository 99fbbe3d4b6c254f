// A child process for the kill test: commits transactions as fast as it can and prints one
// line per acknowledged commit ("ack <n>"). Each transaction n writes three keys: t<n>-a,
// t<n>-b (small) and t<n>-c (large, in the value log), plus the counter key "last" = n.
import { Db } from "../../../ts/engine/index.ts";

const [dir, startText] = process.argv.slice(2);
if (!dir || !startText) throw new Error("usage: committer.ts <dir> <first-n>");
const db = Db.open(dir, { sync: "full", memtableSizeBytes: 256 * 1024 });
const enc = new TextEncoder();
let n = Number(startText);
const inFlightMax = 16;
let inFlight = 0;
const big = new Uint8Array(3000);

function startOne(): void {
  const id = n++;
  const txn = db.begin({ isolation: "unchecked" });
  big.fill(id & 0xff);
  txn.put(enc.encode(`t${id}-a`), enc.encode(`a${id}`));
  txn.put(enc.encode(`t${id}-b`), enc.encode(`b${id}`));
  txn.put(enc.encode(`t${id}-c`), big);
  inFlight++;
  txn.commit().then(
    () => {
      process.stdout.write(`ack ${id}\n`);
      inFlight--;
      pump();
    },
    (error: unknown) => {
      process.stderr.write(`commit ${id} failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}

function pump(): void {
  while (inFlight < inFlightMax) startOne();
}

process.stdout.write("ready\n");
pump();

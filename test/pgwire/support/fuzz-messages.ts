// Seeded generators of frontend traffic for fuzzing: valid messages of every kind, mutations
// of them (flipped bytes, wrong lengths, truncation, wrong types) and plain noise.

import { Frontend } from "./frontend-encoder.ts";

/** mulberry32: small, fast, and reproducible from a 32-bit seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** What the generated messages say: statements for Query and Parse, and COPY FROM STDIN. */
export interface Vocabulary {
  readonly commands: readonly string[];
  /** A statement that starts COPY FROM STDIN (the exchange is then completed or failed). */
  readonly copyIn: string;
}

/** What both vocabularies start with: statements the fake backend answers as a server does. */
const basicCommands = ["select 1", "select 'a', 2, null", "select 1; select 2", "begin", "commit", "rollback"];

/** The fake backend's commands (test/pgwire/support/fake-backend.ts). */
export const fakeBackendVocabulary: Vocabulary = {
  commands: [
    ...basicCommands,
    "raise 22012 fuzz",
    "raise 23505 dup",
    "notice fuzz",
    "sleep 1",
    "series 20",
    "series 200",
    "set TimeZone to 'UTC'",
    "show TimeZone",
    "copy to stdout 3",
    "",
    ";",
    "nonsense here",
    "select $1",
    "select $1::int4, $2",
  ],
  copyIn: "copy t from stdin",
};

/** SQL for a real server with a table fuzz_t (n int4, t text). */
export const sqlVocabulary: Vocabulary = {
  commands: [
    ...basicCommands,
    "savepoint s",
    "rollback to savepoint s",
    "select 1/0",
    "select 'x'::int4",
    "select * from fuzz_t order by n limit 5",
    "insert into fuzz_t values (1, 'a')",
    "delete from fuzz_t where n > 50",
    "update fuzz_t set t = 'b' where n = 1",
    "select pg_sleep(0.001)",
    "select g from generate_series(1, 20) g",
    "select g from generate_series(1, 200) g",
    "set TimeZone to 'UTC'",
    "show TimeZone",
    "set statement_timeout = 1000",
    "copy fuzz_t to stdout",
    "copy (select 1, 'x') to stdout",
    "",
    ";",
    "nonsense here",
    "select $1",
    "select $1::int4, $2",
    "select $1::text || $2",
    "insert into fuzz_t values ($1, $2)",
    "select count(*) from fuzz_t where n = $1",
  ],
  copyIn: "copy fuzz_t from stdin",
};

const names = ["", "", "s", "p", "stmt_1", "ünï"];

/** One well-formed frontend message (after startup). */
export function validMessage(r: Random, vocabulary: Vocabulary = fakeBackendVocabulary): Uint8Array {
  const commands = vocabulary.commands;
  return Frontend.bytes((f) => {
    switch (r.int(13)) {
      case 0:
        f.query(r.pick(commands));
        break;
      case 1:
        // A whole COPY FROM STDIN exchange: cut short, anything else would end the connection.
        if (r.chance(0.3)) {
          f.query(vocabulary.copyIn).copyData("1\ta\n2\tb\n").flush().copyData("3\t\\N\n");
          if (r.chance(0.8)) f.copyDone();
          else f.copyFail("fuzz");
        } else f.query(r.pick(commands));
        break;
      case 2:
        f.parse(r.pick(names), r.pick(commands), r.chance(0.5) ? [] : [r.pick([0, 23, 25, 9999])]);
        break;
      case 3: {
        const n = r.int(3);
        const params = Array.from({ length: n }, () => (r.chance(0.2) ? null : String(r.int(1000))));
        const formats = r.chance(0.8) ? [] : Array.from({ length: r.chance(0.5) ? 1 : n }, () => r.int(2));
        f.bind(r.pick(names), r.pick(names), params, formats, r.chance(0.7) ? [] : [r.int(3)]);
        break;
      }
      case 4:
        f.describe(r.chance(0.5) ? "S" : "P", r.pick(names));
        break;
      case 5:
        f.execute(r.pick(names), r.pick([0, 0, 1, 5]));
        break;
      case 6:
      case 7:
        f.sync();
        break;
      case 8:
        f.flush();
        break;
      case 9:
        f.close(r.chance(0.5) ? "S" : "P", r.pick(names));
        break;
      case 10:
        f.copyData(`${r.int(100)}\n`);
        break;
      case 11:
        if (r.chance(0.5)) f.copyDone();
        else f.copyFail("fuzz");
        break;
      default:
        f.functionCall(r.int(5000));
    }
  });
}

/** A message damaged in one of several ways (most end the connection with 08P01). */
export function mutatedMessage(r: Random, vocabulary: Vocabulary = fakeBackendVocabulary): Uint8Array {
  const base = validMessage(r, vocabulary);
  const out = Uint8Array.from(base);
  switch (r.int(7)) {
    case 0: {
      // Flip a few bytes anywhere.
      for (let i = 0, n = 1 + r.int(3); i < n; i++) out[r.int(out.length)] = r.int(256);
      return out;
    }
    case 1:
      // Truncated: the rest of the stream is misread as the remainder.
      return out.subarray(0, r.int(out.length));
    case 2: {
      // Length field off by a little.
      const view = new DataView(out.buffer);
      view.setInt32(1, view.getInt32(1) + r.pick([-3, -1, 1, 2, 7]));
      return out;
    }
    case 3: {
      // Huge or negative length.
      new DataView(out.buffer).setInt32(1, r.pick([0x7fffffff, -1, 0, 3, 0x40000000]));
      return out;
    }
    case 4:
      // Unknown or out-of-place type byte.
      out[0] = r.pick([0x00, 0x7a, 0x70, 0x41, 0xff, r.int(256)]);
      return out;
    case 5: {
      // Extra bytes inside the message body (length adjusted to match).
      const extra = r.bytes(1 + r.int(8));
      const grown = new Uint8Array(out.length + extra.length);
      grown.set(out, 0);
      grown.set(extra, out.length);
      new DataView(grown.buffer).setInt32(1, grown.length - 1);
      return grown;
    }
    default:
      // Invalid UTF-8 in the body.
      if (out.length > 6) out[5 + r.int(out.length - 6)] = r.pick([0xff, 0xc0, 0x80, 0xed]);
      return out;
  }
}

/**
 * Bytes a client might send before or instead of a StartupMessage, and how many one-byte
 * answers (to SSLRequest / GSSENCRequest) precede the server's messages.
 */
export function startupTraffic(r: Random, user: string, database = "app"): { bytes: Uint8Array; byteAnswers: number; startsSession: boolean } {
  switch (r.int(8)) {
    case 0:
      return { bytes: Frontend.bytes((f) => f.sslRequest().startup({ user })), byteAnswers: 1, startsSession: true };
    case 1:
      return { bytes: Frontend.bytes((f) => f.gssEncRequest().startup({ user, database })), byteAnswers: 1, startsSession: true };
    case 2:
      return { bytes: Frontend.bytes((f) => f.cancelRequest(r.int(100000), r.bytes(4))), byteAnswers: 0, startsSession: false };
    case 3: {
      const out = Uint8Array.from(Frontend.bytes((f) => f.startup({ user, application_name: "fuzz" })));
      out[r.int(out.length)] = r.int(256);
      return { bytes: out, byteAnswers: 0, startsSession: false };
    }
    case 4:
      return { bytes: r.bytes(1 + r.int(40)), byteAnswers: 0, startsSession: false };
    case 5:
      return { bytes: Frontend.bytes((f) => f.startup({ user, "_pq_.x": "y" }, (3 << 16) | r.int(5))), byteAnswers: 0, startsSession: true };
    default:
      return { bytes: Frontend.bytes((f) => f.startup({ user, database })), byteAnswers: 0, startsSession: true };
  }
}

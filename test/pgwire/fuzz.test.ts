// Seeded protocol fuzzing. The decoder alone must only ever report ProtocolError; the server,
// flooded with random, mutated and valid frontend messages over many connections, must keep
// answering a well-behaved client, answer every fuzz connection with well-formed messages,
// and report no internal error: once in process over the fake backend (where its log and
// sessions can be inspected), once as a real pgz server process running SQL. Reproduce a
// failure with PGWIRE_FUZZ_SEED=<seed printed>.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pg from "pg";
import { FrontendDecoder } from "../../ts/pgwire/frontend-decoder.ts";
import { ProtocolError } from "../../ts/pgwire/protocol-error.ts";
import { Frontend } from "./support/frontend-encoder.ts";
import { Random, fakeBackendVocabulary, mutatedMessage, sqlVocabulary, startupTraffic, validMessage, type Vocabulary } from "./support/fuzz-messages.ts";
import { BackendStream, errorFields } from "./support/raw-client.ts";
import type { TestServer } from "./support/test-server.ts";
import { eventually, startTestServer } from "./support/test-server.ts";
import { startTestServer as startPgzServer, type TestServer as PgzTestServer } from "../support/pgz.ts";

const baseSeed = Number(process.env.PGWIRE_FUZZ_SEED ?? 0x5eed_2026) >>> 0;

function withSeed<T>(seed: number, run: () => T): T {
  try {
    return run();
  } catch (error) {
    console.error(`pgwire fuzz failed with seed ${seed} (PGWIRE_FUZZ_SEED=${seed})`);
    throw error;
  }
}

async function withSeedAsync<T>(seed: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    console.error(`pgwire fuzz failed with seed ${seed} (PGWIRE_FUZZ_SEED=${seed})`);
    throw error;
  }
}

describe("decoder fuzz", () => {
  test("200,000 random and mutated messages: only ProtocolError, never another exception", () => {
    withSeed(baseSeed, () => {
      const r = new Random(baseSeed);
      let messages = 0;
      let protocolErrors = 0;
      let decoded = 0;
      while (messages < 200_000) {
        const decoder = new FrontendDecoder({ maxMessageBytes: r.chance(0.5) ? 1 << 16 : undefined });
        const parts: Uint8Array[] = [r.chance(0.9) ? startupTraffic(r, "fuzz").bytes : r.bytes(r.int(30))];
        const count = 1 + r.int(60);
        for (let i = 0; i < count; i++) {
          const roll = r.next();
          parts.push(roll < 0.97 ? validMessage(r) : roll < 0.995 ? mutatedMessage(r) : r.bytes(1 + r.int(20)));
        }
        messages += count;
        const stream = Buffer.concat(parts);
        try {
          let at = 0;
          while (at < stream.length) {
            const size = 1 + r.int(r.chance(0.3) ? 8 : 300);
            decoder.push(stream.subarray(at, at + size));
            at += size;
            while (decoder.next() !== null) decoded++;
          }
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          protocolErrors++;
        }
      }
      expect(decoded).toBeGreaterThan(50_000);
      expect(protocolErrors).toBeGreaterThan(500);
    });
  });
});

/** A server to fuzz: where it listens, who may log in, what its sessions understand. */
interface FuzzTarget {
  readonly port: number;
  /** Users for fuzz connections, and whether a session with that user gets past login. */
  readonly users: readonly { readonly name: string; readonly logsIn: boolean }[];
  readonly database: string;
  readonly vocabulary: Vocabulary;
}

/** One fuzz connection: startup traffic, then a pipelined stream of messages in random chunks. */
async function fuzzConnection(target: FuzzTarget, r: Random): Promise<{ sent: number; fatal: boolean }> {
  const user = r.pick(target.users);
  const startup = startupTraffic(r, user.name, target.database);
  const parts: Uint8Array[] = [startup.bytes];
  // Valid messages, then (on most connections) one damaged message and more valid ones the
  // server should never get to. Only what precedes the damage counts as delivered.
  const valid = 200 + r.int(400);
  for (let i = 0; i < valid; i++) parts.push(validMessage(r, target.vocabulary));
  let count = valid;
  if (r.chance(0.7)) {
    parts.push(r.chance(0.9) ? mutatedMessage(r, target.vocabulary) : r.bytes(1 + r.int(16)));
    count++;
    for (let i = 0; i < 20; i++) parts.push(validMessage(r, target.vocabulary));
  } else {
    parts.push(Frontend.bytes((f) => f.sync().terminate()));
  }
  const stream = Buffer.concat(parts);

  const responses = new BackendStream();
  let lastData = Date.now();
  let closed!: () => void;
  const closedPromise = new Promise<void>((resolve) => (closed = resolve));
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: target.port,
    socket: {
      binaryType: "uint8array",
      data(_s, chunk: Uint8Array) {
        responses.push(chunk);
        lastData = Date.now();
      },
      close() {
        closed();
      },
      error() {
        closed();
      },
    },
  });
  for (let at = 0; at < stream.length; ) {
    const chunk = stream.subarray(at, at + 1 + r.int(r.chance(0.2) ? 10 : 2000));
    at += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const n = socket.write(chunk.subarray(offset));
      if (n < 0) break;
      offset += n;
      if (n === 0) await Bun.sleep(1);
    }
    if (r.chance(0.05)) await Bun.sleep(0);
  }
  // Let the server answer what it can; hang up once it has been quiet for a while (it may
  // be waiting for the rest of a message whose length was damaged).
  let ended = false;
  const idle = setInterval(() => {
    if (!ended && Date.now() - lastData > 300) {
      ended = true;
      socket.end();
    }
  }, 50);
  await closedPromise;
  clearInterval(idle);
  for (let i = 0; i < startup.byteAnswers; i++) {
    const answer = responses.byte();
    if (answer !== null && answer !== 0x4e) throw new Error(`unexpected answer to SSLRequest/GSSENCRequest: ${answer}`);
  }
  const delivered = startup.startsSession && user.logsIn ? count : 0;
  return { sent: delivered, fatal: checkStream(responses) };
}

/** Check framing and types of the server's replies; true if the connection ended with FATAL. */
function checkStream(stream: BackendStream): boolean {
  let last: { type: string; body: Uint8Array } | null = null;
  for (let m = stream.next(); m !== null; m = stream.next()) {
    if (!"RSKZTDCIEN123stnGHdcvA".includes(m.type)) throw new Error(`unexpected backend message type ${m.type}`);
    if (m.type === "E" || m.type === "N") {
      const fields = errorFields(m.body);
      if (!fields.S || !fields.C || fields.M === undefined) throw new Error(`malformed error: ${JSON.stringify(fields)}`);
      if (fields.C === "XX000") throw new Error(`internal error reported: ${fields.M}`);
    }
    last = m;
  }
  return last !== null && last.type === "E" && errorFields(last.body).S === "FATAL";
}

/**
 * Fuzz connections, 16 at a time, until `messages` messages were delivered to sessions, while
 * `goodRound` keeps running on a well-behaved client. Returns the counts.
 */
async function fuzzWhileServing(
  target: FuzzTarget,
  seed: number,
  messages: number,
  goodRound: (n: number) => Promise<void>,
): Promise<{ sent: number; connections: number; fatal: number; goodRounds: number }> {
  const r = new Random(seed ^ 0x9e3779b9);
  let goodRounds = 0;
  let stop = false;
  const goodLoop = (async () => {
    while (!stop) {
      await goodRound(goodRounds);
      goodRounds++;
      await Bun.sleep(1); // share the event loop with the fuzz connections
    }
  })();
  let sent = 0;
  let fatal = 0;
  let connections = 0;
  const concurrency = 16;
  try {
    while (sent < messages) {
      const seeds = Array.from({ length: concurrency }, () => r.int(0x7fffffff));
      const results = await Promise.all(seeds.map((s) => withSeedAsync(s, () => fuzzConnection(target, new Random(s)))));
      for (const result of results) {
        sent += result.sent;
        if (result.fatal) fatal++;
        connections++;
      }
    }
  } finally {
    stop = true;
    await goodLoop;
  }
  return { sent, connections, fatal, goodRounds };
}

describe("server fuzz", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ maxConnections: 64, authenticationTimeoutMs: 3000, maxMessageBytes: 1 << 20 });
  });

  afterAll(async () => {
    await t.stop();
  });

  test("100,000+ delivered messages over many connections while a good client keeps working", async () => {
    await withSeedAsync(baseSeed, async () => {
      const target: FuzzTarget = {
        port: t.port,
        // alice must do SCRAM first, so her fuzz traffic ends at authentication (FATAL).
        users: [
          { name: "carol", logsIn: true },
          { name: "dora", logsIn: true },
          { name: "carol", logsIn: true },
          { name: "alice", logsIn: false },
        ],
        database: "app",
        vocabulary: fakeBackendVocabulary,
      };
      const good = new pg.Client({ host: "127.0.0.1", port: t.port, user: "carol", database: "app" });
      await good.connect();
      const counts = await fuzzWhileServing(target, baseSeed, 100_000, async (n) => {
        const result = await good.query("select $1::int4 as n, $2::text as t", [n, `v${n}`]);
        if (result.rows[0].n !== n || result.rows[0].t !== `v${n}`) throw new Error(`good client got ${JSON.stringify(result.rows)}`);
        const simple = await good.query("series 3");
        if (simple.rows.length !== 3) throw new Error("good client lost rows");
      }).finally(() => good.end());

      expect(counts.sent).toBeGreaterThanOrEqual(100_000);
      expect(counts.connections).toBeGreaterThan(100);
      expect(counts.fatal).toBeGreaterThan(10);
      expect(counts.goodRounds).toBeGreaterThan(10);
      await eventually(() => t.server.connections === 0, 10_000, "fuzz connections to close");
      expect(t.backend.openSessions).toBe(0);
      expect(t.logger.errors).toEqual([]);

      // Still serving.
      const after = new pg.Client({ host: "127.0.0.1", port: t.port, user: "carol", database: "app" });
      await after.connect();
      expect((await after.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
      await after.end();
      console.log(`pgwire fuzz: seed ${baseSeed}, ${counts.sent} messages delivered over ${counts.connections} connections, ${counts.fatal} ended FATAL, ${counts.goodRounds} good-client rounds`);
    });
  }, 120_000);
});

describe("pgz server process fuzz", () => {
  let server: PgzTestServer;
  const maxConnections = 64;

  beforeAll(async () => {
    server = await startPgzServer({ sync: "off", maxConnections });
    const setup = new pg.Client(server.connection);
    await setup.connect();
    await setup.query("CREATE TABLE fuzz_t (n int4, t text)");
    await setup.end();
  });

  afterAll(async () => {
    await server?.stop();
  });

  test("100,000+ delivered messages of SQL traffic: the process survives and a good client keeps working", async () => {
    await withSeedAsync(baseSeed, async () => {
      const target: FuzzTarget = {
        port: server.port,
        users: [
          { name: "postgres", logsIn: true },
          { name: "postgres", logsIn: true },
          { name: "postgres", logsIn: true },
          { name: "no_such_role", logsIn: false },
        ],
        database: "postgres",
        vocabulary: sqlVocabulary,
      };
      const good = new pg.Client(server.connection);
      await good.connect();
      const counts = await fuzzWhileServing(target, baseSeed, 100_000, async (n) => {
        const result = await good.query("select $1::int4 as n, $2::text as t", [n, `v${n}`]);
        if (result.rows[0].n !== n || result.rows[0].t !== `v${n}`) throw new Error(`good client got ${JSON.stringify(result.rows)}`);
        const series = await good.query("select g from generate_series(1, 3) g");
        if (series.rows.length !== 3) throw new Error("good client lost rows");
      }).finally(() => good.end());

      expect(counts.sent).toBeGreaterThanOrEqual(100_000);
      expect(counts.connections).toBeGreaterThan(100);
      expect(counts.fatal).toBeGreaterThan(10);
      expect(counts.goodRounds).toBeGreaterThan(10);

      // Still serving (a crashed process would refuse this), and every fuzz connection is
      // gone: all of the server's connection slots can be taken again.
      const after = await Promise.all(
        Array.from({ length: maxConnections }, async () => {
          const client = new pg.Client(server.connection);
          for (let attempt = 0; ; attempt++) {
            try {
              await client.connect();
              return client;
            } catch (error) {
              // 53300: a fuzz connection still holds its slot; it goes once the server notices.
              if ((error as { code?: string }).code !== "53300" || attempt > 100) throw error;
              await Bun.sleep(100);
            }
          }
        }),
      );
      for (const client of after) expect((await client.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
      await Promise.all(after.map((client) => client.end()));
      console.log(`pgz process fuzz: seed ${baseSeed}, ${counts.sent} messages delivered over ${counts.connections} connections, ${counts.fatal} ended FATAL, ${counts.goodRounds} good-client rounds`);
    });
  }, 180_000);
});

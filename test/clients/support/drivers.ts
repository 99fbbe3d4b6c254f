// The three JavaScript drivers behind one small interface, so a scenario runs unchanged with
// each: node-postgres (pg), postgres.js and Bun's built-in Bun.SQL. Rows come back as arrays
// of the values the driver produced; errors are the driver's own.

import pg from "pg";
import postgres from "postgres";
import type { Target } from "./target.ts";

export type DriverName = "pg" | "postgres.js" | "Bun.sql";
export const driverNames: readonly DriverName[] = ["pg", "postgres.js", "Bun.sql"];

export interface QueryOptions {
  /** Ask for binary results (pg only: the others decide per type on their own). */
  readonly binary?: boolean;
}

export interface Connection {
  readonly driver: DriverName;
  /** A parameterized statement (extended protocol); rows as arrays. */
  query(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<unknown[][]>;
  /** A statement without parameters through the simple query protocol. */
  simple(sql: string): Promise<unknown[][]>;
  /**
   * Starts a statement; cancel() asks the server to stop it through the driver's own cancel
   * request (a CancelRequest on a new connection). `settled` never rejects: it holds the error.
   */
  start(sql: string): { readonly settled: Promise<{ error: unknown } | { rows: unknown[][] }>; cancel(): Promise<void> };
  close(): Promise<void>;
}

function settle(promise: Promise<unknown[][]>): Promise<{ error: unknown } | { rows: unknown[][] }> {
  return promise.then(
    (rows) => ({ rows }),
    (error: unknown) => ({ error }),
  );
}

export interface ConnectOptions {
  readonly user?: string;
  /** Defaults to the target's password. */
  readonly password?: string | null;
  /** Connect over the Unix socket instead of TCP. */
  readonly unix?: boolean;
}

/** The SQLSTATE of a driver error (Bun.sql keeps it in errno, the others in code). */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; errno?: unknown };
  if (typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  if (typeof e?.errno === "string" && /^[0-9A-Z]{5}$/.test(e.errno)) return e.errno;
  return undefined;
}

/** In binary mode pg has parsers for a few types only; give the others' bytes back as hex. */
const rawBinary = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    const parser = pg.types.getTypeParser(oid, format ?? "text") as (value: unknown) => unknown;
    if (format !== "binary") return parser;
    const known = [16, 20, 21, 23, 25, 26, 700, 701, 1000, 1007, 1008, 1009, 1016, 1114, 1184, 1700];
    return known.includes(oid) ? parser : (value: Buffer) => ({ binary: value.toString("hex") });
  },
};

async function connectPg(target: Target, options: ConnectOptions): Promise<Connection> {
  const password = options.password === undefined ? target.password : options.password;
  const client = new pg.Client({
    ...target.pgConfig({ user: options.user ?? target.user }),
    ...(options.unix ? { host: target.socketDir } : {}),
    ...(password !== null ? { password } : { password: undefined }),
  });
  client.on("error", () => {});
  await client.connect();
  const binaryTypes = rawBinary as unknown as pg.CustomTypesConfig;
  return {
    driver: "pg",
    async query(sql, params = [], queryOptions = {}) {
      const result = await client.query({
        text: sql,
        values: params as unknown[],
        rowMode: "array",
        queryMode: "extended",
        ...(queryOptions.binary ? { binary: true, types: binaryTypes } : {}),
      } as pg.QueryArrayConfig);
      return result.rows;
    },
    async simple(sql) {
      const result = await client.query({ text: sql, rowMode: "array" });
      return result.rows;
    },
    start(sql) {
      const query = new pg.Query({ text: sql, rowMode: "array" } as pg.QueryConfig);
      const settled = new Promise<{ error: unknown } | { rows: unknown[][] }>((resolve) => {
        query.on("end", (result: pg.QueryResult) => resolve({ rows: result.rows as unknown[][] }));
        query.on("error", (error: unknown) => resolve({ error }));
      });
      client.query(query);
      return {
        settled,
        async cancel() {
          // pg's cancel (not in its type declarations): a new Client sends the CancelRequest
          // for the other's running query.
          const canceller = new pg.Client({ ...target.pgConfig(), ...(options.unix ? { host: target.socketDir } : {}) });
          (canceller as unknown as { cancel(client: pg.Client, query: pg.Query): void }).cancel(client, query);
        },
      };
    },
    close: () => client.end(),
  };
}

async function connectPostgresJs(target: Target, options: ConnectOptions): Promise<Connection> {
  const password = options.password === undefined ? target.password : options.password;
  const open = async (): Promise<postgres.Sql> => {
    const sql = postgres({
      host: options.unix ? target.socketDir : target.host,
      ...(options.unix ? { path: `${target.socketDir}/.s.PGSQL.${target.port}` } : {}),
      port: target.port,
      user: options.user ?? target.user,
      database: target.database,
      ...(password !== null ? { password } : {}),
      max: 1,
      onnotice: () => {},
      connect_timeout: 10,
    });
    // A connection is opened lazily: make a failed login fail here, as the other drivers do.
    try {
      await sql`select 1`;
    } catch (error) {
      await sql.end({ timeout: 0 });
      throw error;
    }
    return sql;
  };
  let sql = await open();
  // Settings made through simple(), replayed on a fresh connection.
  const settings: string[] = [];
  return {
    driver: "postgres.js",
    async query(text, params = []) {
      try {
        return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).values()) as unknown[][];
      } catch (error) {
        // A parameter postgres.js cannot serialize (new Date('infinity').toISOString() throws)
        // fails after Parse and Describe were sent and leaves the connection stuck: later
        // queries never settle. Go on with a fresh connection in the same state.
        if (sqlState(error) === undefined) {
          void sql.end({ timeout: 0 });
          sql = await open();
          for (const setting of settings) await sql.unsafe(setting).simple();
        }
        throw error;
      }
    },
    async simple(text) {
      if (/^\s*set\s/i.test(text)) settings.push(text);
      return (await sql.unsafe(text).simple().values()) as unknown[][];
    },
    start(text) {
      const query = sql.unsafe(text);
      return {
        settled: settle(query.values() as Promise<unknown[][]>),
        async cancel() {
          await query.cancel();
        },
      };
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

async function connectBunSql(target: Target, options: ConnectOptions): Promise<Connection> {
  const password = options.password === undefined ? target.password : options.password;
  const sql = new Bun.SQL({
    adapter: "postgres",
    ...(options.unix ? { path: `${target.socketDir}/.s.PGSQL.${target.port}` } : { hostname: target.host, port: target.port }),
    username: options.user ?? target.user,
    database: target.database,
    ...(password !== null ? { password } : {}),
    max: 1,
    connectionTimeout: 10,
  });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.close();
    throw error;
  }
  return {
    driver: "Bun.sql",
    async query(text, params = []) {
      return (await sql.unsafe(text, params as unknown[]).values()) as unknown[][];
    },
    async simple(text) {
      return (await sql.unsafe(text).simple().values()) as unknown[][];
    },
    start(text) {
      const query = sql.unsafe(text);
      return {
        settled: settle(query.values() as Promise<unknown[][]>),
        async cancel() {
          // Not awaited: Bun.sql's cancel() returns the query, a thenable that settles only
          // when the query does.
          query.cancel();
        },
      };
    },
    close: () => sql.close(),
  };
}

export function connect(driver: DriverName, target: Target, options: ConnectOptions = {}): Promise<Connection> {
  switch (driver) {
    case "pg":
      return connectPg(target, options);
    case "postgres.js":
      return connectPostgresJs(target, options);
    case "Bun.sql":
      return connectBunSql(target, options);
  }
}

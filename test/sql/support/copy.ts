// COPY FROM STDIN in SQL tests: through postgres.js (rows in), and through psql for the COPYs
// that fail (psql reports the error and exits non-zero).

import type postgres from "postgres";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { TestServer } from "../../support/pgz.ts";

export async function copyIn(sql: ReturnType<typeof postgres>, statement: string, data: string): Promise<void> {
  const writable = await sql.unsafe(statement).writable();
  await pipeline(Readable.from([Buffer.from(data)]), writable);
}

/** COPY FROM STDIN through psql (the client most COPY users have): its exit code and error output. */
export async function psqlCopy(server: TestServer, statement: string, data: string): Promise<{ code: number; stderr: string }> {
  const child = Bun.spawn(["psql", "-X", "-h", server.host, "-p", String(server.port), "-U", "postgres", "-d", "postgres", "-c", statement], {
    stdin: new Blob([data]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = await new Response(child.stderr).text();
  return { code: await child.exited, stderr };
}

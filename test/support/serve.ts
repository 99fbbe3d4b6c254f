// Runs a pgz server in this process for tests: `bun test/support/serve.ts '<json PgzConfig>'`.
// Prints one JSON line {"port":N,"socketPath":...} when ready; exits on SIGTERM/SIGINT after
// a clean shutdown, or immediately on SIGKILL (crash tests).

import { startPgz, type PgzConfig } from "../../ts/server.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as PgzConfig;
const server = await startPgz(config);
process.stdout.write(`${JSON.stringify({ port: server.port, socketPath: server.socketPath })}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());

// `pgz` with the stand-in server (see stand-in-server.ts): the real CLI, HTTP endpoint, logs
// and shutdown, for tests that run the server as a child process.
import { main } from "../../../ts/cli.ts";
import { startStandIn } from "./stand-in-server.ts";

process.exit(await main(process.argv.slice(2), { startServer: startStandIn }));

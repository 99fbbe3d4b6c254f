// Serves the operations app on Bun.serve. Bound to 127.0.0.1 unless told otherwise: the
// endpoint exposes metrics and (with a token) maintenance actions, not something to publish
// by accident.

import type { Hono } from "hono";

export interface HttpServerOptions {
  readonly app: Hono;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 9187; 0 picks a free port. */
  readonly port?: number;
}

export interface HttpServer {
  readonly host: string;
  readonly port: number;
  /** http://host:port, with IPv6 addresses bracketed. */
  readonly url: string;
  /** Stops listening and closes idle connections; requests in progress may finish. */
  stop(): Promise<void>;
}

export function startHttpServer(options: HttpServerOptions): HttpServer {
  const host = options.host ?? "127.0.0.1";
  const server = Bun.serve({ hostname: host, port: options.port ?? 9187, fetch: options.app.fetch });
  const port = server.port ?? options.port ?? 9187;
  const hostForUrl = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${hostForUrl}:${port}`,
    async stop() {
      await server.stop(false);
    },
  };
}

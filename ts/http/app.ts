// The operations HTTP endpoint (Hono):
//
//   GET  /metrics            Prometheus text format
//   GET  /healthz            200 {"status":"ok"} while serving, 503 otherwise
//   POST /admin/compact      start a compaction        → 202 + the job (Location: /admin/jobs/:id)
//   POST /admin/vacuum       start value-log GC        → 202 + the job
//   GET  /admin/jobs         recent jobs, newest first
//   GET  /admin/jobs/:id     one job and its progress  (404 when unknown)
//
// /admin/* requires "Authorization: Bearer <token>"; with no token configured it is
// disabled (403), so a server started without one exposes nothing that changes state.

import { type Context, Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../log.ts";
import { JobQueueFullError, JobRunnerClosedError, type JobKind, type JobRunner } from "../metrics/index.ts";

export type HealthStatus = "ok" | "starting" | "shutting_down" | "failing";

export interface Health {
  readonly status: HealthStatus;
  /** Why the status is not ok. */
  readonly detail?: string;
}

export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface HttpAppOptions {
  readonly metrics: MetricsSource;
  /** The job runner, or null while there is none (before the engine is open). */
  readonly jobs: () => JobRunner | null;
  readonly health: () => Health;
  /** Bearer token for /admin/*; null disables the admin endpoints. */
  readonly adminToken: string | null;
  readonly logger: Logger;
}

/** Characters RFC 6750 allows in a bearer token (b64token); others could never be sent. */
export const adminTokenPattern = /^[A-Za-z0-9._~+/-]+=*$/;

export function createHttpApp(options: HttpAppOptions): Hono {
  const { metrics, jobs, health, adminToken, logger } = options;
  if (adminToken !== null && !adminTokenPattern.test(adminToken)) {
    throw new RangeError("the admin token may only contain letters, digits and . _ ~ + / - (then = padding)");
  }
  const app = new Hono();

  app.get("/metrics", async (c) => {
    const body = await metrics.render();
    return c.body(body, 200, { "Content-Type": metrics.contentType, "Cache-Control": "no-store" });
  });

  app.get("/healthz", (c) => {
    const now = health();
    c.header("Cache-Control", "no-store");
    return c.json(now, now.status === "ok" ? 200 : 503);
  });

  app.use("/admin/*", async (c, next) => {
    if (adminToken === null) {
      return c.json({ error: "the admin endpoints are disabled: start pgz with --admin-token or PGZ_ADMIN_TOKEN" }, 403);
    }
    return next();
  });
  if (adminToken !== null) {
    app.use(
      "/admin/*",
      bearerAuth({
        token: adminToken,
        realm: "pgz admin",
        noAuthenticationHeader: { message: { error: "missing Authorization: Bearer <admin token>" } },
        invalidAuthenticationHeader: { message: { error: "malformed Authorization header: expected Bearer <admin token>" } },
        invalidToken: { message: { error: "wrong admin token" } },
      }),
    );
  }

  const startJob = (kind: JobKind) => (c: Context) => {
    const runner = jobs();
    if (runner === null) return c.json({ error: "the database is not open" }, 503);
    try {
      const job = runner.start(kind, { source: "http" });
      c.header("Location", `/admin/jobs/${job.id}`);
      return c.json(job, 202);
    } catch (error) {
      if (error instanceof JobQueueFullError) {
        c.header("Retry-After", "10");
        return c.json({ error: error.message }, 503);
      }
      if (error instanceof JobRunnerClosedError) return c.json({ error: error.message }, 503);
      throw error;
    }
  };
  app.post("/admin/compact", startJob("compact"));
  app.post("/admin/vacuum", startJob("vacuum"));

  app.get("/admin/jobs", (c) => c.json({ jobs: jobs()?.list() ?? [] }));

  app.get("/admin/jobs/:id", (c) => {
    const id = c.req.param("id");
    const job = jobs()?.get(id);
    return job ? c.json(job) : c.json({ error: `no job ${id}` }, 404);
  });

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    // bearerAuth and friends answer through HTTPException; let their responses through.
    if (error instanceof HTTPException) return error.getResponse();
    logger.error({ err: error, method: c.req.method, path: c.req.path }, "HTTP request failed");
    return c.json({ error: "internal error" }, 500);
  });

  return app;
}

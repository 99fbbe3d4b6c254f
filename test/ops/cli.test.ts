// The command line: flags and PGZ_* variables, defaults, validation (one line, exit code 2),
// --help, and plain words when an address is taken.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { helpText, parseServeArgs, UsageError } from "../../ts/cli.ts";
import { testCertificate } from "../pgwire/support/tls.ts";
import { psql, repoRoot, runPgz, spawnPgz, sourceCommand } from "./support/pgz-process.ts";

const cli = ["bun", join(repoRoot, "ts", "cli.ts")];
const scratch = mkdtempSync(join(tmpdir(), "pgz-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function usageError(args: string[], env: Record<string, string> = {}): string {
  try {
    parseServeArgs(args, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(args)} ${JSON.stringify(env)}`);
}

describe("parseServeArgs", () => {
  test("defaults", () => {
    const config = parseServeArgs([], {});
    expect(config.dataDir).toBe(resolve("pgz-data"));
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 5432 });
    expect(config.http).toEqual({ host: "127.0.0.1", port: 9187 });
    expect(config.socketDir).toBeNull();
    expect(config.logLevel).toBe("info");
    expect(config.logFormat).toBe("auto");
    expect(config.auth).toBe("trust");
    expect(config.password).toBeNull();
    expect(config.tls).toBeNull();
    expect(config.sync).toBe("full");
    expect(config.maxConnections).toBe(100);
    expect(config.statementTimeoutMs).toBe(0);
    expect(config.slowStatementMs).toBe(1000);
    expect(config.shutdownTimeoutMs).toBe(5000);
    expect(config.cacheSizeBytes).toBe(128 * 1024 * 1024);
    expect(config.adminToken).toBeNull();
    expect(Object.values(config.origins).every((origin) => origin === "default")).toBe(true);
  });

  test("every flag, and every PGZ_* variable, sets its value; a flag beats its variable", () => {
    const flags = parseServeArgs(
      [
        "--data-dir", "/srv/db", "--listen-addr", "0.0.0.0:6543", "--socket-dir", "/run/pgz", "--http-addr", "[::1]:9000",
        "--log-level", "debug", "--log-format", "json", "--auth", "scram-sha-256", "--sync", "normal",
        "--max-connections", "7", "--statement-timeout", "1.5s", "--slow-statement-ms", "0", "--shutdown-timeout", "2min",
        "--admin-token", "abc.DEF_123", "--cache-size", "1GB",
      ],
      {},
    );
    expect(flags).toMatchObject({
      dataDir: "/srv/db",
      listen: { host: "0.0.0.0", port: 6543 },
      socketDir: "/run/pgz",
      http: { host: "::1", port: 9000 },
      logLevel: "debug",
      logFormat: "json",
      auth: "scram-sha-256",
      sync: "normal",
      maxConnections: 7,
      statementTimeoutMs: 1500,
      slowStatementMs: 0,
      shutdownTimeoutMs: 120_000,
      adminToken: "abc.DEF_123",
      cacheSizeBytes: 1024 ** 3,
    });
    const env = {
      PGZ_DATA_DIR: "/srv/env",
      PGZ_LISTEN_ADDR: "localhost:7000",
      PGZ_SOCKET_DIR: "/tmp/s",
      PGZ_HTTP_ADDR: "off",
      PGZ_LOG_LEVEL: "warn",
      PGZ_LOG_FORMAT: "pretty",
      PGZ_AUTH: "scram-sha-256",
      PGZ_PASSWORD: "sekrit",
      PGZ_SYNC: "off",
      PGZ_MAX_CONNECTIONS: "3",
      PGZ_STATEMENT_TIMEOUT: "250",
      PGZ_SLOW_STATEMENT_MS: "off",
      PGZ_SHUTDOWN_TIMEOUT: "1h",
      PGZ_ADMIN_TOKEN: "tok",
      PGZ_CACHE_SIZE: "512MiB",
    };
    const fromEnv = parseServeArgs([], env);
    expect(fromEnv).toMatchObject({
      dataDir: "/srv/env",
      listen: { host: "localhost", port: 7000 },
      socketDir: "/tmp/s",
      http: null,
      logLevel: "warn",
      logFormat: "pretty",
      auth: "scram-sha-256",
      password: "sekrit",
      sync: "off",
      maxConnections: 3,
      statementTimeoutMs: 250,
      slowStatementMs: null,
      shutdownTimeoutMs: 3_600_000,
      adminToken: "tok",
      cacheSizeBytes: 512 * 1024 * 1024,
    });
    expect(fromEnv.origins["data-dir"]).toBe("env");
    const both = parseServeArgs(["--sync", "full", "--data-dir", "/flag"], env);
    expect(both.sync).toBe("full");
    expect(both.dataDir).toBe("/flag");
    expect(both.origins.sync).toBe("flag");
    // An empty variable counts as unset.
    expect(parseServeArgs([], { PGZ_SYNC: "" }).sync).toBe("full");
  });

  test("bad values name the flag or variable they came from", () => {
    expect(usageError(["--sync", "fast"])).toBe('invalid --sync "fast": expected full, normal or off');
    expect(usageError([], { PGZ_SYNC: "fast" })).toBe('invalid PGZ_SYNC "fast": expected full, normal or off');
    expect(usageError(["--auth", "md5"])).toContain("trust or scram-sha-256");
    expect(usageError(["--log-level", "loud"])).toContain("--log-level");
    expect(usageError(["--log-format", "xml"])).toContain("--log-format");
    expect(usageError(["--max-connections", "0"])).toBe("invalid --max-connections 0: must be between 1 and 10000");
    expect(usageError([], { PGZ_MAX_CONNECTIONS: "many" })).toContain("PGZ_MAX_CONNECTIONS");
    expect(usageError(["--statement-timeout", "5 parsecs"])).toContain("--statement-timeout");
    expect(usageError(["--shutdown-timeout", "-1s"])).toContain("--shutdown-timeout");
    expect(usageError(["--slow-statement-ms", "1.5"])).toContain("--slow-statement-ms");
    expect(usageError(["--listen-addr", "5432"])).toContain("expected HOST:PORT");
    expect(usageError(["--listen-addr", "127.0.0.1:70000"])).toContain("above 65535");
    expect(usageError(["--listen-addr", "::1:5432"])).toContain("expected HOST:PORT");
    expect(usageError(["--listen-addr", "[localhost]:5432"])).toContain("not an IP address");
    expect(usageError(["--http-addr", "bad host:80"])).toContain("--http-addr");
    expect(usageError(["--data-dir", ""])).toBe("--data-dir must not be empty");
    expect(usageError(["--cache-size", "lots"])).toBe('invalid --cache-size "lots": expected a size such as 64MB or 1GB');
    expect(usageError([], { PGZ_CACHE_SIZE: "100GB" })).toBe('invalid PGZ_CACHE_SIZE "100GB": must be between 1MB and 64GB');
    expect(usageError(["--admin-token", "has space"])).toContain("--admin-token");
    expect(usageError(["--nope"])).toBe("unknown option --nope (see pgz serve --help)");
    expect(usageError(["--data-dir"])).toBe("--data-dir needs a value");
    expect(usageError(["extra"])).toContain("unexpected argument extra");
  });

  test("TLS needs both files, and they must hold PEM", () => {
    expect(usageError(["--tls-cert", "/x.pem"])).toContain("needs --tls-key");
    expect(usageError(["--tls-key", "/x.pem"])).toContain("needs --tls-cert");
    expect(usageError(["--tls-cert", join(scratch, "missing.pem"), "--tls-key", join(scratch, "missing.key")])).toContain("no such file");
    const notPem = join(scratch, "not.pem");
    writeFileSync(notPem, "hello");
    expect(usageError(["--tls-cert", notPem, "--tls-key", notPem])).toContain("holds no PEM certificate");
  });

  test("the password comes from --password-file (trailing newline dropped) or PGZ_PASSWORD", () => {
    const file = join(scratch, "password");
    writeFileSync(file, "correct horse\n");
    expect(parseServeArgs(["--password-file", file], { PGZ_PASSWORD: "other" }).password).toBe("correct horse");
    expect(parseServeArgs([], { PGZ_PASSWORD_FILE: file }).password).toBe("correct horse");
    expect(parseServeArgs([], { PGZ_PASSWORD: "from env" }).password).toBe("from env");
    const empty = join(scratch, "empty");
    writeFileSync(empty, "\n");
    expect(usageError(["--password-file", empty])).toContain("empty password");
    expect(usageError(["--password-file", join(scratch, "nope")])).toContain("no such file");
  });
});

describe("help", () => {
  test("--help lists every flag with its variable and default", () => {
    const text = helpText();
    for (const [flag, env, fallback] of [
      ["--data-dir", "PGZ_DATA_DIR", "./pgz-data"],
      ["--listen-addr", "PGZ_LISTEN_ADDR", "127.0.0.1:5432"],
      ["--socket-dir", "PGZ_SOCKET_DIR", null],
      ["--http-addr", "PGZ_HTTP_ADDR", "127.0.0.1:9187"],
      ["--log-level", "PGZ_LOG_LEVEL", "info"],
      ["--auth", "PGZ_AUTH", "trust"],
      ["--password-file", "PGZ_PASSWORD_FILE", null],
      ["--tls-cert", "PGZ_TLS_CERT", null],
      ["--tls-key", "PGZ_TLS_KEY", null],
      ["--sync", "PGZ_SYNC", "full"],
      ["--cache-size", "PGZ_CACHE_SIZE", "128MB"],
      ["--max-connections", "PGZ_MAX_CONNECTIONS", "100"],
      ["--statement-timeout", "PGZ_STATEMENT_TIMEOUT", "0"],
      ["--slow-statement-ms", "PGZ_SLOW_STATEMENT_MS", "1000"],
      ["--shutdown-timeout", "PGZ_SHUTDOWN_TIMEOUT", "5s"],
      ["--admin-token", "PGZ_ADMIN_TOKEN", null],
    ] as const) {
      expect(text).toContain(flag);
      expect(text).toContain(fallback === null ? `env ${env}\n` : `env ${env}, default ${fallback}\n`);
    }
    expect(text).toContain("PGZ_PASSWORD ");
    expect(text).toContain("psql -h 127.0.0.1 -p 5432 -U postgres");
  });

  test("pgz serve --help and pgz help exit 0; no command is a usage error", async () => {
    const serveHelp = await runPgz(cli, ["serve", "--help"]);
    expect(serveHelp.code).toBe(0);
    expect(serveHelp.stdout).toBe(helpText());
    expect((await runPgz(cli, ["help"])).code).toBe(0);
    const none = await runPgz(cli, []);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage:");
  });
});

describe("exit codes", () => {
  test("a bad value: one line on stderr, exit code 2, nothing started", async () => {
    for (const [args, env, line] of [
      [["serve", "--sync", "fast"], {}, 'pgz: invalid --sync "fast": expected full, normal or off\n'],
      [["serve"], { PGZ_MAX_CONNECTIONS: "-3" }, "pgz: invalid PGZ_MAX_CONNECTIONS -3: must be between 1 and 10000\n"],
      [["serve", "--bogus"], {}, "pgz: unknown option --bogus (see pgz serve --help)\n"],
      [["frobnicate"], {}, 'pgz: unknown command "frobnicate" (commands: serve, version, help)\n'],
    ] as const) {
      const result = await runPgz(cli, args, { PGZ_DATA_DIR: join(scratch, "never"), ...env });
      expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ code: 2, stderr: line, stdout: "" });
    }
    expect(existsSync(join(scratch, "never"))).toBe(false);
  });

  test("an address in use is said plainly, exit code 1", async () => {
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const pg = await runPgz(sourceCommand, ["serve", "--log-format", "json", "--data-dir", join(scratch, "inuse"), "--listen-addr", `127.0.0.1:${taken.port}`, "--http-addr", "127.0.0.1:0"]);
      expect(pg.code).toBe(1);
      expect(pg.stderr).toBe(
        `pgz: cannot listen for PostgreSQL clients on 127.0.0.1:${taken.port}: the address is already in use (another pgz or PostgreSQL running?); choose another with --listen-addr\n`,
      );
      const http = await runPgz(sourceCommand, ["serve", "--log-format", "json", "--data-dir", join(scratch, "inuse"), "--listen-addr", "127.0.0.1:0", "--http-addr", `127.0.0.1:${taken.port}`]);
      expect(http.code).toBe(1);
      expect(http.stderr).toContain(`pgz: cannot listen for HTTP on 127.0.0.1:${taken.port}: the address is already in use`);
      expect(http.stderr).toContain("--http-addr");
    } finally {
      taken.stop(true);
    }
  });

  test("with no flags, data goes to ./pgz-data (created) and the start-up log shows the configuration", async () => {
    const cwd = mkdtempSync(join(scratch, "fresh-"));
    const env = { ...process.env, PGZ_LISTEN_ADDR: "127.0.0.1:0", PGZ_HTTP_ADDR: "127.0.0.1:0", PGZ_ADMIN_TOKEN: "t0ken" } as Record<string, string>;
    delete env.PGZ_DATA_DIR;
    const pgz = await spawnPgz(sourceCommand, [], { cwd, env });
    try {
      expect(existsSync(join(cwd, "pgz-data", "SUPERBLOCK"))).toBe(true);
      const starting = await pgz.waitForLog((l) => l.msg === "starting pgz");
      const config = starting.config as Record<string, unknown>;
      expect(config.dataDir).toBe(join(cwd, "pgz-data"));
      expect(config.sync).toBe("full");
      expect(config.adminToken).toBe("set");
      expect(JSON.stringify(starting)).not.toContain("t0ken");
      const ready = await pgz.waitForLog((l) => l.msg.startsWith("pgz is ready"));
      expect(ready.msg).toBe(`pgz is ready: connect with \`psql -h 127.0.0.1 -p ${pgz.pgPort} -U postgres\``);
      expect(ready.http).toBe(pgz.httpUrl);
    } finally {
      expect(await pgz.stop()).toBe(0);
    }
  });
});

describe("listeners", () => {
  test("--socket-dir adds the Unix socket psql looks for; --tls-cert/--tls-key enable TLS", async () => {
    const socketDir = mkdtempSync(join(tmpdir(), "pgz-sock-"));
    const { cert, key } = testCertificate();
    writeFileSync(join(scratch, "server.crt"), cert);
    writeFileSync(join(scratch, "server.key"), key);
    const pgz = await spawnPgz(sourceCommand, [
      "--data-dir", join(scratch, "listeners"),
      "--listen-addr", "127.0.0.1:0",
      "--http-addr", "off",
      "--socket-dir", socketDir,
      "--tls-cert", join(scratch, "server.crt"),
      "--tls-key", join(scratch, "server.key"),
    ]);
    try {
      const ready = await pgz.waitForLog((l) => l.msg.startsWith("pgz is ready"));
      expect(ready.socket).toBe(join(socketDir, `.s.PGSQL.${pgz.pgPort}`));
      expect(ready.connect).toEqual([`psql -h 127.0.0.1 -p ${pgz.pgPort} -U postgres`, `psql -h ${socketDir} -p ${pgz.pgPort} -U postgres`]);
      const overSocket = Bun.spawnSync(["psql", "-X", "-At", "-h", socketDir, "-p", String(pgz.pgPort), "-U", "postgres", "-c", "select 7"]);
      expect(overSocket.stdout.toString()).toBe("7\n");
      const overTls = await psql(pgz.pgPort, ["select 8"], { PGSSLMODE: "require" });
      expect(overTls.stdout).toBe("8\n");
    } finally {
      expect(await pgz.stop()).toBe(0);
      rmSync(socketDir, { recursive: true, force: true });
    }
  });
});

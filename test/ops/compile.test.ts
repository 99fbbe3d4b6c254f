// `bun scripts/compile.ts` → one executable that serves from a directory holding nothing else,
// with no Bun or Zig on PATH and, where the kernel lets us (user and mount namespaces), with
// the source tree hidden so nothing can be loaded from it: psql works against it, and
// SIGTERM ends it with exit code 0.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { psql, repoRoot, spawnPgz } from "./support/pgz-process.ts";

// The binary embeds ts/server.ts (the SQL layer's entry point); until it exists there is
// nothing to compile.
const sqlServerExists = existsSync(join(repoRoot, "ts", "server.ts"));

const scratch = mkdtempSync(join(tmpdir(), "pgz-compile-test-"));
const alone = join(scratch, "elsewhere");
const binary = join(alone, "pgz");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Can this process make a private mount namespace (to hide the source tree)? */
function canHideSourceTree(): boolean {
  const probe = spawnSync("unshare", ["-rm", "sh", "-c", `mount -t tmpfs none ${JSON.stringify(repoRoot)}`], { stdio: "ignore" });
  return probe.status === 0;
}

/**
 * The binary's command line in an empty environment, the source tree hidden when possible;
 * arguments appended to it reach the binary.
 */
function isolated(): string[] {
  if (canHideSourceTree()) {
    return ["unshare", "-rm", "sh", "-c", `mount -t tmpfs none '${repoRoot}' && exec env -i PATH=/usr/bin:/bin "$@"`, "sh", binary];
  }
  return ["env", "-i", "PATH=/usr/bin:/bin", binary];
}

describe.skipIf(!sqlServerExists)("the compiled binary", () => {
  beforeAll(() => {
    const outfile = join(scratch, "build", "pgz");
    const build = spawnSync("bun", [join(repoRoot, "scripts", "compile.ts"), "--outfile", outfile], { cwd: repoRoot, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`compile failed:\n${build.stdout}${build.stderr}`);
    mkdirSync(alone, { recursive: true });
    copyFileSync(outfile, binary);
    chmodSync(binary, 0o755);
    expect(readdirSync(alone)).toEqual(["pgz"]);
  });

  test("version runs without Bun, Zig or the source tree", () => {
    const [command, ...args] = [...isolated(), "version"];
    const result = spawnSync(command!, args, { cwd: alone, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout).toStartWith("pgz ");
    expect(result.status).toBe(0);
  });

  test("serve from a temporary directory: psql works, SIGTERM exits 0, data survives a restart", async () => {
    const dataDir = join(alone, "data");
    const start = () =>
      spawnPgz(isolated(), ["--data-dir", dataDir, "--listen-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"], { cwd: alone, env: { PATH: "/usr/bin:/bin" } });

    const first = await start();
    try {
      const setup = await psql(first.pgPort, [
        "select 1",
        "create table smoke (id int primary key, qty int)",
        "insert into smoke values (1, 10), (2, 20)",
        "select id, qty from smoke order by id",
      ]);
      expect(setup.stderr).toBe("");
      expect(setup.stdout).toBe("1\nCREATE TABLE\nINSERT 0 2\n1|10\n2|20\n");
      const metrics = await fetch(`${first.httpUrl}/metrics`);
      expect(await metrics.text()).toMatch(/^pgz_engine_commits_total [1-9]/m);
    } finally {
      expect(await first.stop("SIGTERM")).toBe(0);
    }
    expect(first.logs.at(-1)?.msg).toBe("shut down cleanly");

    const second = await start();
    try {
      const again = await psql(second.pgPort, ["select count(*) from smoke"]);
      expect(again.stdout).toBe("2\n");
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
  });
});

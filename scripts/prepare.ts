// Prepares a checkout for `bun run test` and `bun run serve`: installs dependencies when
// node_modules is missing or older than the lockfile, and builds the engine library when its
// sources changed since the last build. A quick no-op when nothing changed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { zigCommand } from "./zig.ts";

const root = join(import.meta.dir, "..");
const forceEngine = process.argv.includes("--force-engine");

function run(command: string[], what: string): void {
  const [cmd, ...args] = command as [string, ...string[]];
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`prepare: ${what} failed (${command.join(" ")})`);
    process.exit(result.status ?? 1);
  }
}

function hashFiles(paths: string[]): string {
  const hash = createHash("sha256");
  for (const path of paths.sort()) {
    hash.update(relative(root, path));
    hash.update("\0");
    hash.update(readFileSync(path));
  }
  return hash.digest("hex");
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

function readStamp(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

// Dependencies.
const depsStamp = join(root, "node_modules", ".pgz-deps");
const depsHash = hashFiles([join(root, "package.json"), join(root, "bun.lock")]);
if (readStamp(depsStamp) !== depsHash) {
  console.error("prepare: installing dependencies");
  run(["bun", "install", "--frozen-lockfile"], "bun install");
  writeFileSync(depsStamp, depsHash);
}

// Engine library.
const libName = process.platform === "darwin" ? "libpgz.dylib" : "libpgz.so";
const libPath = join(root, "zig-out", "lib", libName);
const engineStamp = join(root, "zig-out", ".pgz-engine");
const engineHash = hashFiles([
  ...walk(join(root, "zig")).filter((p) => p.endsWith(".zig")),
  join(root, "include", "pgz.h"),
  join(root, "build.zig"),
  join(root, "build.zig.zon"),
]);
if (forceEngine || !existsSync(libPath) || readStamp(engineStamp) !== engineHash) {
  console.error("prepare: building the engine library");
  run([...zigCommand(), "build"], "zig build");
  writeFileSync(engineStamp, engineHash);
}

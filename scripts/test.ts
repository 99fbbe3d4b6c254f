// `bun run test`: zig fmt --check, the engine's Zig tests, the macOS cross-compile check,
// the TypeScript type check (Bun runs TypeScript without checking it), then every Bun test.
// Extra arguments go to `bun test` (for example a file filter).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { zigCommand } from "./zig.ts";

const root = join(import.meta.dir, "..");

function step(name: string, command: string[]): void {
  const [cmd, ...args] = command as [string, ...string[]];
  const started = performance.now();
  console.error(`test: ${name}: ${command.join(" ")}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`test: ${name} failed after ${seconds}s`);
    process.exit(result.status ?? 1);
  }
  console.error(`test: ${name} passed in ${seconds}s`);
}

const bunArgs = process.argv.slice(2);
if (bunArgs.length === 0) {
  step("zig format", [...zigCommand(), "fmt", "--check", "zig", "build.zig", "build.zig.zon"]);
  step("zig tests", [...zigCommand(), "build", "test", "--summary", "all"]);
  step("macOS cross-compile", [...zigCommand(), "build", "cross"]);
  step("type check", ["bun", "x", "tsc", "--noEmit", "-p", "."]);
}
step("bun tests", ["bun", "test", ...bunArgs]);

// Finds the Zig compiler: $ZIG, then `zig` on PATH, then `python3 -m ziglang` (PyPI's ziglang).
import { spawnSync } from "node:child_process";

let cached: string[] | undefined;

export function zigCommand(): string[] {
  if (cached) return cached;
  const candidates: string[][] = [];
  if (process.env.ZIG) candidates.push([process.env.ZIG]);
  candidates.push(["zig"], ["python3", "-m", "ziglang"]);
  for (const candidate of candidates) {
    const [command, ...args] = candidate as [string, ...string[]];
    const probe = spawnSync(command, [...args, "version"], { encoding: "utf8" });
    if (probe.status === 0 && /^\d+\.\d+\.\d+/.test(probe.stdout.trim())) {
      cached = candidate;
      return candidate;
    }
  }
  throw new Error(
    "zig not found: set $ZIG, put zig on PATH, or `pip install ziglang` (see README.md, or run scripts/toolchain.sh)",
  );
}

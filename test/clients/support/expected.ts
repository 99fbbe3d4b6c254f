// Where the expectations recorded from PostgreSQL 15 live (test/clients/expected/, written by
// `bun test/clients/regen.ts`, never by hand).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DriverName } from "./drivers.ts";

export const expectedDir = join(import.meta.dir, "..", "expected");

export const expectedFiles = {
  wireTypes: join(expectedDir, "wire-types.json"),
  driverTypes: (driver: DriverName) => join(expectedDir, `driver-types.${driver}.json`),
  psql: join(expectedDir, "psql.out"),
} as const;

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

export function writeJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}

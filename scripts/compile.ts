// `bun run compile`: one executable, dist/pgz, that needs neither Bun nor Zig nor the source
// tree. Two things the server loads from files at run time are embedded:
//
// - the engine library (zig-out/lib/libpgz.so): imported `with { type: "file" }`, which embeds
//   it and yields a path dlopen can load; the entry publishes that path as
//   globalThis.__pgzEmbeddedLibrary, where ts/engine/ffi.ts looks before zig-out;
// - libpg-query's WebAssembly: its loader reads `__dirname + "/libpg-query.wasm"`, a path the
//   bundler freezes to this machine's node_modules. A plugin makes the loader import the file
//   instead, so it is embedded too.
//
// Usage: bun scripts/compile.ts [--outfile PATH]   (default dist/pgz)

import type { BunPlugin } from "bun";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dir, "..");
const { values } = parseArgs({ options: { outfile: { type: "string" } }, strict: true });
const outfile = resolve(values.outfile ?? join(root, "dist", "pgz"));

const libraryName = process.platform === "darwin" ? "libpgz.dylib" : "libpgz.so";
const library = join(root, "zig-out", "lib", libraryName);
if (!existsSync(library)) {
  console.error(`compile: ${library} is missing; run \`bun scripts/prepare.ts\` (or \`bun run compile\`) first`);
  process.exit(1);
}

/** The text in libpg-query's Emscripten loader that names its WebAssembly file. */
const wasmLookup = 'function findWasmBinary(){return locateFile("libpg-query.wasm")}';

const embedParserWasm: BunPlugin = {
  name: "embed libpg-query wasm",
  setup(build) {
    build.onLoad({ filter: /[\\/]libpg-query[\\/]wasm[\\/]libpg-query\.js$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      if (!source.includes(wasmLookup)) {
        // A new libpg-query release changed its loader: fail here rather than ship a binary
        // that only works on this machine.
        throw new Error(`compile: libpg-query's loader no longer contains ${wasmLookup}; update scripts/compile.ts`);
      }
      const patched = source.replace(wasmLookup, "function findWasmBinary(){return __pgzParserWasm}");
      return { contents: `import __pgzParserWasm from "./libpg-query.wasm" with { type: "file" };\n${patched}`, loader: "js" };
    });
  },
};

const work = mkdtempSync(join(tmpdir(), "pgz-compile-"));
try {
  const entry = join(work, "entry.ts");
  writeFileSync(
    entry,
    [
      `import library from ${JSON.stringify(library)} with { type: "file" };`,
      `(globalThis as { __pgzEmbeddedLibrary?: string }).__pgzEmbeddedLibrary = library;`,
      // Imported after the line above has run, so the engine finds the embedded library.
      `const { main } = await import(${JSON.stringify(join(root, "ts", "cli.ts"))});`,
      `process.exit(await main(process.argv.slice(2)));`,
      "",
    ].join("\n"),
  );
  mkdirSync(dirname(outfile), { recursive: true });
  const started = performance.now();
  const result = await Bun.build({
    entrypoints: [entry],
    plugins: [embedParserWasm],
    minify: true,
    sourcemap: "linked",
    compile: {
      outfile,
      // A database server's behaviour should not change with a .env or bunfig.toml that
      // happens to be in the directory it is started from.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    console.error("compile: bun build failed");
    process.exit(1);
  }
  // The source map is embedded in the executable (stack traces name the TypeScript sources);
  // the copy Bun also writes beside it is not needed.
  rmSync(`${outfile}.map`, { force: true });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const megabytes = (statSync(outfile).size / 1024 / 1024).toFixed(0);
  console.error(`compile: ${outfile} (${megabytes} MiB) in ${seconds}s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

// The binary must start without the source tree's help: no Bun on PATH, no PGZ_LIBRARY.
const check = spawnSync(outfile, ["version"], { env: { PATH: "/usr/bin:/bin" }, cwd: tmpdir(), encoding: "utf8" });
if (check.status !== 0) {
  console.error(`compile: ${outfile} version failed (exit ${check.status}):\n${check.stdout}${check.stderr}`);
  process.exit(1);
}
console.error(`compile: ${check.stdout.trim()}`);

#!/usr/bin/env bash
# Installs what building and testing pgz needs, when it is missing:
#   Bun  — from the npm registry, the exact version in package.json "packageManager"
#   Zig  — from PyPI (ziglang), the exact version in build.zig.zon "minimum_zig_version"
#   psql, pgbench, postgres — Debian's postgresql and postgresql-client packages
# Safe to run repeatedly; does nothing when everything is in place.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

bun_version="$(sed -n 's/.*"packageManager": *"bun@\([^"]*\)".*/\1/p' "$root/package.json")"
zig_version="$(sed -n 's/.*\.minimum_zig_version *= *"\([^"]*\)".*/\1/p' "$root/build.zig.zon")"
[ -n "$bun_version" ] || { echo "toolchain: no bun version in package.json" >&2; exit 1; }
[ -n "$zig_version" ] || { echo "toolchain: no zig version in build.zig.zon" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "$(bun --version 2>/dev/null || true)" != "$bun_version" ]; then
  echo "toolchain: installing bun@$bun_version from npm"
  command -v npm >/dev/null || { echo "toolchain: npm is needed to install Bun" >&2; exit 1; }
  as_root npm install -g --no-fund --no-audit "bun@$bun_version"
fi

zig_now=""
if [ -n "${ZIG:-}" ]; then zig_now="$("$ZIG" version 2>/dev/null || true)"
elif command -v zig >/dev/null; then zig_now="$(zig version 2>/dev/null || true)"
else zig_now="$(python3 -m ziglang version 2>/dev/null || true)"; fi
if [ "$zig_now" != "$zig_version" ]; then
  echo "toolchain: installing ziglang==$zig_version from PyPI"
  python3 -m pip install --quiet "ziglang==$zig_version"
  if [ -z "${ZIG:-}" ] && command -v zig >/dev/null && [ "$(zig version)" != "$zig_version" ]; then
    echo "toolchain: warning: 'zig' on PATH is $(zig version); set ZIG or remove it so python3 -m ziglang ($zig_version) is used" >&2
  fi
fi

if ! command -v psql >/dev/null || ! command -v pgbench >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "toolchain: installing Debian's postgresql and postgresql-client"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
fi

echo "toolchain: bun $(bun --version), zig ${zig_version}, $(psql --version)"

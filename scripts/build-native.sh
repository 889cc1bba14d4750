#!/usr/bin/env bash
# Builds the @lars/udp-native addon from source (node-gyp, against the
# headers of the node on PATH, <prefix>/include/node: nothing is downloaded;
# the package's install-native.mjs passes them as --nodedir) into
# packages/udp-native/build/Release/udp_batch.node, and prints how long it
# took. Without a C toolchain it skips with a message and exits 0, since the
# package then reports LARS_NATIVE_UNAVAILABLE and callers fall back to
# node:dgram; a compile error exits non-zero. Not part of `pnpm build` yet.
set -euo pipefail
cd "$(dirname "$0")/../packages/udp-native"

missing=()
command -v cc >/dev/null 2>&1 || missing+=("a C compiler (cc)")
command -v make >/dev/null 2>&1 || missing+=("make")
command -v python3 >/dev/null 2>&1 || missing+=("python3 (for node-gyp)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-native: skipped @lars/udp-native, missing: ${missing[*]}" >&2
  exit 0
fi
if [ ! -x node_modules/.bin/node-gyp ]; then
  echo "build-native: node-gyp is not installed; run pnpm install first" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s%N)
if ! pnpm run build:native >"$log" 2>&1; then
  cat "$log" >&2
  echo "build-native: @lars/udp-native failed to compile" >&2
  exit 1
fi
# install-native.mjs skips (exit 0, with its reason) without the Node headers.
if [ ! -f build/Release/udp_batch.node ]; then
  grep -E '^@lars/udp-native: not built' "$log" >&2 || cat "$log" >&2
  exit 0
fi
# The compiler's warnings are worth seeing even when the build succeeds.
grep -E 'warning:' "$log" >&2 || true
ms=$((($(date +%s%N) - start) / 1000000))
echo "build-native: built packages/udp-native/build/Release/udp_batch.node in ${ms} ms"

#!/usr/bin/env bash
# Installs what the project needs from the package registry: the pinned pnpm
# (package.json "packageManager") and the workspace's dependencies. Idempotent
# and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "==> installing pnpm $want (found: ${have:-none})"
  # Corepack's signature check fails against the registry here, so pnpm comes
  # from the registry as an ordinary package.
  npm install -g "pnpm@$want" --no-audit --no-fund --loglevel=error
fi

# --frozen-lockfile: a fresh machine gets exactly what the lock file says.
pnpm install --frozen-lockfile --reporter=append-only | grep -vE '^(Progress|Packages:)' || true
test -d node_modules/.pnpm || { echo "pnpm install failed" >&2; exit 1; }

#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, starts the
# shared local MariaDB (a no-op when it runs), type-checks the workspace and
# runs every test file. Test files run in parallel, each in its own database.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
bash scripts/mysql-local.sh start

echo "==> build (pnpm build: every package into dist/)"
pnpm build

echo "==> type-check (tsc --noEmit)"
pnpm exec tsc -p tsconfig.json --noEmit

echo "==> format and lint (biome check)"
pnpm exec biome check .

echo "==> tests"
pnpm exec vitest run "$@"

# The end-to-end tests drive run_lars.sh on the default ports: after the
# others, one at a time. Skipped when a filter was given for the run above.
if [ $# -eq 0 ]; then
  echo "==> end-to-end tests (run_lars.sh, default ports)"
  pnpm exec vitest run --config vitest.e2e.config.ts
fi

#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, starts the
# shared local MariaDB (a no-op when it runs), type-checks the workspace and
# runs every test file. Test files run in parallel, each in its own database.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
bash scripts/mysql-local.sh start

echo "==> type-check (tsc --noEmit)"
pnpm exec tsc -p tsconfig.json --noEmit

echo "==> tests"
pnpm exec vitest run "$@"

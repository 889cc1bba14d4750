#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, starts the
# shared local MariaDB (a no-op when it runs), builds, type-checks and lints
# the workspace and runs every test file (in parallel, each in its own
# database), then the end-to-end tests. Prints the time of every phase, and
# one closing line `tests: N passed, N failed` summed over both vitest runs.
set -euo pipefail
cd "$(dirname "$0")/.."

RESULTS=var/test-results
PHASES=()
phase_start=0
phase_name=""

# phase NAME: closes the running phase (recording its seconds) and opens NAME.
phase() {
  local now
  now=$(date +%s)
  [ -n "$phase_name" ] && PHASES+=("$(printf '%-48s %4d s' "$phase_name" $((now - phase_start)))")
  phase_name="$1"
  phase_start=$now
  [ -n "$1" ] && echo "==> $1"
  return 0
}

summary() {
  local rc=$?
  phase ""
  echo "==> phase times"
  printf '  %s\n' "${PHASES[@]}"
  if compgen -G "$RESULTS/*.json" >/dev/null; then
    node -e '
      let passed = 0, failed = 0, skipped = 0, files = 0;
      for (const f of process.argv.slice(1)) {
        const r = JSON.parse(require("node:fs").readFileSync(f, "utf8"));
        passed += r.numPassedTests; failed += r.numFailedTests;
        skipped += r.numPendingTests + r.numTodoTests;
        files += r.testResults.filter((t) => t.status === "failed").length;
      }
      // A file whose hooks failed counts its tests as skipped, not failed: say both.
      console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped; ${files} test files failed`);' "$RESULTS"/*.json
  fi
  exit "$rc"
}
trap summary EXIT

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json

phase "dependencies (pnpm, node_modules, promtool, chromium)"
bash scripts/ensure-deps.sh
bash scripts/ensure-promtool.sh
# The console's browser tests drive Debian's chromium (installed when missing);
# ensure-chromium.sh prints its path on its last line.
chromium_path=$(bash scripts/ensure-chromium.sh | tail -1)
export LARS_CHROMIUM="$chromium_path"

phase "MariaDB (shared local server)"
bash scripts/mysql-local.sh start

phase "build (pnpm build: every package into dist/)"
pnpm build

phase "type-check (tsc --noEmit)"
pnpm exec tsc -p tsconfig.json --noEmit

phase "format and lint (biome check)"
pnpm exec biome check .

phase "tests (vitest)"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$RESULTS/unit.json" "$@"

# The end-to-end tests drive run_lars.sh on the default ports: after the
# others, one at a time. Skipped when a filter was given for the run above.
if [ $# -eq 0 ]; then
  phase "end-to-end tests (run_lars.sh, default ports)"
  pnpm exec vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json="$RESULTS/e2e.json"
fi

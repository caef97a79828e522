#!/usr/bin/env bash
# Runs every test: unit and service tests (packages/*/test) and interop tests with the
# real clients (test/). Fetches the real clients first (cached outside the clone).
# Prints "N passed, N failed[, N skipped]" as its last line and exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-peers.sh || { echo "could not install the peer clients"; echo "0 passed, 1 failed"; exit 1; }
bash scripts/install-softhsm.sh || { echo "could not install SoftHSM2 (the HSM tests' token)"; echo "0 passed, 1 failed"; exit 1; }
bash scripts/install-postgres.sh || { echo "could not install PostgreSQL (the storage tests' throwaway cluster)"; echo "0 passed, 1 failed"; exit 1; }
# Debian's Chromium for the explorer's browser tests: without it those tests fail (and say why), the rest still run.
bash scripts/install-chromium.sh || echo "could not install Chromium: test/explorer.test.ts will fail"
pnpm -s build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
# Tests run through tsx, which strips types without checking them: check them here.
npx tsc -p tsconfig.tap.json --noEmit || { echo "type check of the tests failed"; echo "0 passed, 1 failed"; exit 1; }
# The explorer is browser code (DOM types): its own project, sources and unit tests.
npx tsc -p packages/explorer/tsconfig.json --noEmit || { echo "type check of the explorer failed"; echo "0 passed, 1 failed"; exit 1; }
out=$(mktemp)
npx tap --include 'packages/*/test/**/*.test.ts' --include 'test/**/*.test.ts' "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
node scripts/tap-summary.mjs "$out" "$status"

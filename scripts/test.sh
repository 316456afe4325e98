#!/usr/bin/env bash
# The one test command (`npm test`): typecheck, lint, unit tests, end-to-end tests, then one
# closing line `N passed, M failed` from scripts/count.mjs. Every stage runs even when an
# earlier one fails; the exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
export FORCE_COLOR=0

mkdir -p test-results
rm -f test-results/unit.json test-results/e2e.json

stage() {
  echo
  echo "== $1"
}

stage 'typecheck (tsc -b)'
npx tsc -b
tsc=$?

stage 'lint (eslint .)'
npx eslint .
eslint=$?

stage 'unit tests (vitest)'
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/unit.json
vitest=$?

stage 'end-to-end tests (playwright)'
npx playwright test
playwright=$?

stage 'summary'
node scripts/count.mjs \
  --stage "tsc=$tsc" --stage "eslint=$eslint" \
  --stage "vitest=$vitest" --stage "playwright=$playwright"

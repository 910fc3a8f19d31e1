#!/usr/bin/env bash
# The whole test suite: installs what is missing, starts its own Redis, type-checks, runs mocha,
# and ends with "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh || exit 1
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1

workdir=$(mktemp -d)
REDIS_URL=$(bash scripts/start-redis.sh "$workdir") || exit 1
export REDIS_URL
cleanup() { kill "$(cat "$workdir/redis.pid")" 2>/dev/null; rm -rf "$workdir"; }
trap cleanup EXIT

echo "type-checking…"
if ! npx --no-install tsc -p tsconfig.json --noEmit; then
  echo "tests: 0 passed, 1 failed (type check)"
  exit 1
fi

# With no arguments the whole suite runs; with file names, only those.
if [ "$#" -eq 0 ]; then set -- 'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/property/**/*.test.ts'; fi
npx --no-install mocha --reporter spec "$@" 2>&1 | tee "$workdir/mocha.out"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ +[0-9]+ passing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Eo '^ +[0-9]+ failing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"

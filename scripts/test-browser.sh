#!/usr/bin/env bash
# The browser tests (test/browser): real headless Chromium from Debian's package, driven by
# playwright-core (which never downloads a browser). Installs Chromium and Redis when missing,
# starts a throw-away Redis, and ends with "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh || exit 1
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1

CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM_PATH" ]; then
  echo "chromium not found: installing Debian's package with apt-get" >&2
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null || { echo "tests: 0 passed, 1 failed (chromium could not be installed)"; exit 1; }
fi
export CHROMIUM_PATH

workdir=$(mktemp -d)
REDIS_URL=$(bash scripts/start-redis.sh "$workdir") || exit 1
export REDIS_URL
cleanup() { kill "$(cat "$workdir/redis.pid")" 2>/dev/null; rm -rf "$workdir"; }
trap cleanup EXIT

if [ "$#" -eq 0 ]; then set -- 'test/browser/**/*.test.ts'; fi
npx --no-install mocha --reporter spec "$@" 2>&1 | tee "$workdir/mocha.out"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ +[0-9]+ passing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Eo '^ +[0-9]+ failing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"

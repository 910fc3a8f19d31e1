#!/usr/bin/env bash
# The integration suite on a real Redis Cluster (issue 15): 3 masters and 3 replicas started by
# scripts/start-redis-cluster.sh, REDIS_CLUSTER=true with the seed nodes in REDIS_URL, and every
# relay the tests start on QUEUE_SHARDS=3 (test/support/redis-url.ts). The same tests as
# `npm test`'s integration part; the last line is "tests: N passed, M failed". With file names,
# only those run.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh || { echo "tests: 0 passed, 1 failed (redis-server could not be installed)"; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund || { echo "tests: 0 passed, 1 failed (npm ci)"; exit 1; }

workdir=$(mktemp -d "${TMPDIR:-/tmp}/c2c-integration-cluster-XXXXXX")
cleanup() { bash scripts/start-redis-cluster.sh stop "$workdir/redis"; }
trap cleanup EXIT

if ! REDIS_URL=$(bash scripts/start-redis-cluster.sh "$workdir/redis"); then
  echo "tests: 0 passed, 1 failed (the Redis Cluster did not start; see $workdir/redis)"
  exit 1
fi
export REDIS_URL REDIS_CLUSTER=true
echo "redis cluster: $REDIS_URL"

if [ "$#" -eq 0 ]; then set -- 'test/integration/**/*.test.ts'; fi
npx --no-install mocha --reporter spec "$@" 2>&1 | tee "$workdir/mocha.out"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ +[0-9]+ passing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Eo '^ +[0-9]+ failing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
cleanup
[ "$status" -eq 0 ] && rm -rf "$workdir"
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"

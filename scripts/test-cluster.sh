#!/usr/bin/env bash
# The cluster suite (issue 15): a real Redis Cluster of 3 masters and 3 replicas
# (scripts/start-redis-cluster.sh), real relay processes started by the suite itself with
# REDIS_CLUSTER=true and QUEUE_SHARDS, the counting PBX double. Each scenario prints one
# "cluster NAME: …" or "fault NAME: …" line with its counts; the last line is
# "tests: N passed, M failed". With file names, only those scenarios run.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh || { echo "tests: 0 passed, 1 failed (redis-server could not be installed)"; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund || { echo "tests: 0 passed, 1 failed (npm ci)"; exit 1; }

workdir=$(mktemp -d "${TMPDIR:-/tmp}/c2c-cluster-XXXXXX")
export REDIS_CLUSTER_DIR="$workdir/redis"
# The fault suite's process helpers (test/faults/processes.ts) log, record pids and reserve ports here.
export FAULTS_LOG_DIR="$workdir/logs"
export FAULTS_PID_DIR="$workdir/pids"
export FAULTS_PORT_DIR="$workdir/ports"
mkdir -p "$FAULTS_LOG_DIR" "$FAULTS_PID_DIR"
# Whatever happens, the relay processes the suite started and the cluster's servers (by the pids
# they wrote, also a node the suite restarted) are killed.
cleanup() {
  cat "$FAULTS_PID_DIR"/*.pids 2>/dev/null | xargs -r kill -9 2>/dev/null
  bash scripts/start-redis-cluster.sh stop "$REDIS_CLUSTER_DIR"
}
trap cleanup EXIT

started=$(date +%s)
if ! REDIS_URL=$(bash scripts/start-redis-cluster.sh "$REDIS_CLUSTER_DIR"); then
  echo "tests: 0 passed, 1 failed (the Redis Cluster did not start; see $REDIS_CLUSTER_DIR)"
  exit 1
fi
export REDIS_URL REDIS_CLUSTER=true
echo "redis cluster: $REDIS_URL ($(($(date +%s) - started)) s)"

# One scenario at a time: the spread scenario counts every master's commands, which another
# scenario's load would blur; the failover scenario kills a master, and restarts it, last.
if [ "$#" -eq 0 ]; then
  set -- test/cluster/spread.test.ts test/cluster/across-nodes.test.ts test/cluster/failover.test.ts
  for file in test/cluster/*.test.ts; do
    case " $* " in *" $file "*) ;; *) set -- "$@" "$file" ;; esac
  done
fi
npx --no-install mocha --reporter spec --timeout 240000 "$@" 2>&1 | tee "$workdir/mocha.out"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ +[0-9]+ passing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Eo '^ +[0-9]+ failing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
cleanup
if [ "$status" -eq 0 ]; then rm -rf "$workdir"; else echo "relay logs: $FAULTS_LOG_DIR; cluster: $REDIS_CLUSTER_DIR"; fi
echo "wall time: $(($(date +%s) - started)) s"
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"

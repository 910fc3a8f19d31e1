#!/usr/bin/env bash
# The fault suite (issue 10 §6): real relay processes (web and worker, started by the suite itself
# with `node --import tsx`), real redis-servers it starts and kills, PBX doubles, bounded load.
# Logs of every relay process go to a temporary directory, kept (and named) when a test fails.
# Each scenario prints one "fault NAME: …" line with its counts; the last line is
# "tests: N passed, M failed". With file names, only those scenarios run.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh || { echo "tests: 0 passed, 1 failed (redis-server could not be installed)"; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund || { echo "tests: 0 passed, 1 failed (npm ci)"; exit 1; }

workdir=$(mktemp -d "${TMPDIR:-/tmp}/c2c-faults-XXXXXX")
export FAULTS_LOG_DIR="$workdir/logs"
export FAULTS_PID_DIR="$workdir/pids"
# Ports reserved by the scenarios (test/faults/processes.ts reservePort): one claim file each.
export FAULTS_PORT_DIR="$workdir/ports"
mkdir -p "$FAULTS_LOG_DIR" "$FAULTS_PID_DIR"
# Should a test process die, the processes it started (and only those, by pid) are killed here.
cleanup() { cat "$FAULTS_PID_DIR"/*.pids 2>/dev/null | xargs -r kill -9 2>/dev/null; true; }
trap cleanup EXIT

# Longest first. Two scenario files at a time: most of a scenario's time is spent waiting (BullMQ
# needs up to a minute to give up on a dead worker's jobs), so two overlap well on a 2-core machine.
if [ "$#" -eq 0 ]; then
  set -- test/faults/two-by-two.test.ts test/faults/worker-sigkill.test.ts test/faults/lost-replies.test.ts \
    test/faults/pbx-faults.test.ts test/faults/redis-restart.test.ts
fi
npx --no-install mocha --reporter spec --timeout 240000 --parallel --jobs 2 "$@" 2>&1 | tee "$workdir/mocha.out"
status=${PIPESTATUS[0]}
passed=$(grep -Eo '^ +[0-9]+ passing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Eo '^ +[0-9]+ failing' "$workdir/mocha.out" | grep -Eo '[0-9]+' | tail -1)
cleanup
if [ "$status" -eq 0 ]; then rm -rf "$workdir"; else echo "relay logs: $FAULTS_LOG_DIR"; fi
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"

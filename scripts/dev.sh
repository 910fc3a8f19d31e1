#!/usr/bin/env bash
# One command to a working relay on this machine: installs what is missing, builds, starts a local
# Redis, the sandbox Asterisk (the AMI double), the API and the worker, provisions a demo account,
# and prints a URL to paste into a browser. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

state=.dev
mkdir -p "$state"
# Secrets generated once and kept in .dev/ (git-ignored), so restarts keep the demo account working.
[ -s "$state/master.key" ] || node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))" > "$state/master.key"
[ -s "$state/admin.token" ] || node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))" > "$state/admin.token"
chmod 600 "$state/master.key" "$state/admin.token"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$state/redis/redis.pid" ] && kill "$(cat "$state/redis/redis.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

REDIS_URL=${REDIS_URL:-$(bash scripts/start-redis.sh "$state/redis")}
export REDIS_URL
export PORT=${PORT:-8080}
export C2C_MASTER_KEY=$(cat "$state/master.key")
export ADMIN_TOKEN=$(cat "$state/admin.token")
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://localhost:$PORT}
export ALLOW_PRIVATE_PBX_ADDRESSES=true
export LOG_LEVEL=${LOG_LEVEL:-info}
AMI_SANDBOX_PORT=${AMI_SANDBOX_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
export AMI_SANDBOX_PORT

node dist/test/doubles/ami/run-ami-sandbox.js > "$state/ami-sandbox.log" 2>&1 & pids+=($!)
node dist/api/main.js > "$state/web.log" 2>&1 & pids+=($!)
node dist/worker/main.js > "$state/worker.log" 2>&1 & pids+=($!)

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "the API did not start; see $state/web.log" >&2; tail -20 "$state/web.log" >&2; exit 1; }

export C2C_ADMIN_URL="http://127.0.0.1:$PORT"
admin() { node dist/api/cli/c2c-admin.js "$@"; }
field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(eval('JSON.parse(s).'+process.argv[1])))" "$1"; }
account=$(admin accounts create "Demo (sandbox)" | field account.id)
api_key=$(admin keys create "$account" --label demo | field key.api_key)
admin pbx set "$account" asterisk --json "{\"host\":\"127.0.0.1\",\"port\":$AMI_SANDBOX_PORT,\"username\":\"relay\",\"secret\":\"relaysecret\",\"dial_as_lookup\":\"auto\"}" >/dev/null
admin policy set "$account" --json '{"default_pbx":"asterisk"}' >/dev/null

cat <<TXT

c2c-relay is running (logs in $state/):
  API      $PUBLIC_BASE_URL      (admin token in $state/admin.token)
  Redis    $REDIS_URL
  sandbox  Asterisk AMI double on 127.0.0.1:$AMI_SANDBOX_PORT (extensions 1001-1005)

Paste this into a browser to place a sandbox call, then open its status_url:
  $PUBLIC_BASE_URL/v1/click2call?api_key=$api_key&dial_first=1001&dial_second=5550100

Sandbox numbers for dial_second: 5550100 answers, then hangs up (completed) · 5550101 rings out
(no_answer) · 5550102 busy · 5550103 congestion (failed) · anything else answers.
Ctrl-C stops everything.
TXT
wait

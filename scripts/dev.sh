#!/usr/bin/env bash
# One command to a working relay on this machine: installs what is missing, builds, starts a local
# Redis, the sandbox Asterisk (the AMI double), the API and the worker, with local stand-ins for
# the no-answer fallbacks (an SMTP catcher, an SMS gateway and a no_answer_url receiver, which print
# what they get here), provisions a demo account, and prints URLs to paste into a browser.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

state=.dev
mkdir -p "$state"

# Run on a maintained Node LTS: when the machine's Node is older than 22, take Node 24 LTS from the
# npm registry (the node-<platform>-<arch> package carries the official binary) into .dev/node.
NODE=node
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  if [ ! -x "$state/node/bin/node" ]; then
    echo "Node $(node -v) is past its end of life; fetching Node 24 LTS from the npm registry…"
    pkg="node-$(node -p 'process.platform')-$(node -p 'process.arch')@24"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
    rm -rf "$state/node" && mv "$tmp/package" "$state/node" && rm -rf "$tmp"
  fi
  NODE="$state/node/bin/node"
fi
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
# The sandbox PBX and SMS gateway, and the no_answer_url receiver, all listen on 127.0.0.1.
export ALLOW_PRIVATE_PBX_ADDRESSES=true
export ALLOW_PRIVATE_WEBHOOK_ADDRESSES=true
export LOG_LEVEL=${LOG_LEVEL:-info}
export NODE_OPTIONS=${NODE_OPTIONS:---max-semi-space-size=16 --max-old-space-size=256}
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
AMI_SANDBOX_PORT=${AMI_SANDBOX_PORT:-$(free_port)}
export AMI_SANDBOX_PORT
DEMO_PORT=${DEMO_PORT:-$(free_port)}
SMTP_CATCHER_PORT=${SMTP_CATCHER_PORT:-$(free_port)}
FALLBACK_SINKS_PORT=${FALLBACK_SINKS_PORT:-$(free_port)}
export SMTP_CATCHER_PORT FALLBACK_SINKS_PORT
export SMTP_URL="smtp://127.0.0.1:$SMTP_CATCHER_PORT"
export SMTP_FROM=${SMTP_FROM:-c2c-relay@sandbox.example}
# The demo account's callback secret (signs what goes to a no_answer_url), new with each run's Redis.
callback_secret="whsec_$(node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))")"

"$NODE" dist/test/doubles/ami/run-ami-sandbox.js > "$state/ami-sandbox.log" 2>&1 & pids+=($!)
# The email, SMS and XML of the no-answer fallbacks are printed here, and kept in $state/inbox.log.
: > "$state/inbox.log"
"$NODE" dist/scripts/sandbox/smtp-catcher.js > >(tee -a "$state/inbox.log") 2>&1 & pids+=($!)
CALLBACK_SECRET=$callback_secret "$NODE" dist/scripts/sandbox/fallback-sinks.js > >(tee -a "$state/inbox.log") 2>&1 & pids+=($!)
"$NODE" dist/api/main.js > "$state/web.log" 2>&1 & pids+=($!)
"$NODE" dist/worker/main.js > "$state/worker.log" 2>&1 & pids+=($!)

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
admin policy set "$account" --json '{"default_pbx":"asterisk","caller_ids":["5559000"]}' >/dev/null
agent_findme_urls=$(CALLBACK_SECRET=$callback_secret bash scripts/sandbox/agent-findme-demo.sh "$account" "$api_key")

# A public saved endpoint and a demo shop page on its own origin that embeds its widget.
demo_origin="http://127.0.0.1:$DEMO_PORT"
endpoint=$(admin clicktocall create "$account" --json "{\"name\":\"Demo shop\",\"extension\":\"1001\",\"auth_required\":false,\"whitelist\":[\"555[0-9]{4}\"],\"throttle\":10,\"allowed_origins\":[\"$demo_origin\"]}" | field data.id)
DEMO_PORT=$DEMO_PORT WIDGET_SRC="$PUBLIC_BASE_URL/v1/clicktocall/$endpoint/widget.js" "$NODE" dist/scripts/sandbox/demo-page.js > "$state/demo-page.log" 2>&1 & pids+=($!)

cat <<TXT

c2c-relay is running on Node $("$NODE" -v) (logs in $state/):
  API      $PUBLIC_BASE_URL      (admin token in $state/admin.token)
  Redis    $REDIS_URL
  sandbox  Asterisk AMI double on 127.0.0.1:$AMI_SANDBOX_PORT (extensions 1001-1005, queue sales)
  inbox    SMTP catcher on $SMTP_URL, SMS gateway and no_answer_url receiver on http://127.0.0.1:$FALLBACK_SINKS_PORT
           (what they receive is printed here and kept in $state/inbox.log)

Paste this into a browser to place a sandbox call, then open its status_url:
  $PUBLIC_BASE_URL/v1/click2call?api_key=$api_key&dial_first=1001&dial_second=5550100

Every call option at once (caller IDs, page/ref, recording with its warning, an answer held until
both legs are connected):
  $PUBLIC_BASE_URL/v1/click2call?api_key=$api_key&dial_first=1001&dial_second=5550100&first_callerid=5559000&page=https%3A%2F%2Fshop.example%2Fcart&ref=demo-1&record=1&warning=1&wait_for=connected

A customer's web page with the "call me" widget of a public saved endpoint ($endpoint):
  $demo_origin/

$agent_findme_urls

API description: $PUBLIC_BASE_URL/docs

Sandbox numbers, on either leg: 5550100 answers, then hangs up (completed) · 5550101 rings out
(no_answer) · 5550102 busy · 5550103 congestion (failed) · anything else answers.
Ctrl-C stops everything.
TXT
wait

#!/usr/bin/env bash
# Click-to-Agent and Click-to-FindMe in the sandbox (run by scripts/dev.sh): gives the demo account
# the agent queue `sales`, three FindMe lists, an SMS gateway and a callback host pointing at the
# local sinks (scripts/sandbox/fallback-sinks.ts), then prints a URL per path with what it does.
# Usage: agent-findme-demo.sh ACCOUNT_ID API_KEY
# Env: C2C_ADMIN_URL, ADMIN_TOKEN, PUBLIC_BASE_URL, FALLBACK_SINKS_PORT, CALLBACK_SECRET.
set -euo pipefail
cd "$(dirname "$0")/../.."
account=$1
api_key=$2
sinks="http://127.0.0.1:$FALLBACK_SINKS_PORT"

# An admin call whose answer is not needed: silent unless it fails.
quiet() { local out; out=$("$@") || { echo "$out" >&2; return 1; }; }
admin() { node dist/api/cli/c2c-admin.js "$@"; }
admin_put() { curl -sS --fail-with-body -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' --data "$2" "$C2C_ADMIN_URL/admin/v1/accounts/$account/$1"; }

# The sandbox queue `sales` (test/doubles/ami/ami-double-options.ts): one agent per state.
agents='"alice":{"number":"1001","interface":"PJSIP/1001"},"bob":{"number":"1002","interface":"PJSIP/1002"},"carol":{"number":"1003","interface":"PJSIP/1003"},"dave":{"number":"1004","interface":"PJSIP/1004"},"erin":{"number":"1005","interface":"PJSIP/1005"}'
quiet admin agent-queue put "$account" sales --json "{\"name\":\"Sales\",\"pbx_queue\":\"sales\",\"agents\":{$agents}}"
# Sandbox numbers on leg 1: 5550101 rings out, 5550102 is busy, 5550103 is congested, others answer.
quiet admin findme put "$account" front-desk --json '{"name":"Front desk","numbers":["5550101","5550102","1001"],"strategy":"ordered","ring_seconds":5}'
quiet admin findme put "$account" after-hours --json '{"name":"After hours","numbers":["5550101","5550102","5550103"],"strategy":"ordered","ring_seconds":5}'
quiet admin findme put "$account" everyone --json '{"name":"Everyone","numbers":["5550101","5550102","1001"],"strategy":"simultaneous","ring_seconds":5}'
# allow_first: a FindMe list's first number is checked as the first leg, and these start outside the PBX.
quiet admin policy set "$account" --json '{"allow_first":["^55501[0-9]{2}$"],"sms_from":["5559000"]}'
quiet admin_put sms-gateway "{\"url\":\"$sinks/sms\",\"body_type\":\"form\",\"body\":\"to={to}&from={from}&text={text}\"}"
quiet admin webhooks hosts "$account" --json "{\"hosts\":[\"127.0.0.1\"],\"secret\":\"$CALLBACK_SECRET\"}"

agent="$PUBLIC_BASE_URL/v1/clicktoagent?api_key=$api_key&queue_id=sales&phone_to_call=5550100&agent_id"
findme="$PUBLIC_BASE_URL/v1/clicktofindme?api_key=$api_key"
# after-hours has none of the PBX's extensions to place its calls as: dial_as names one.
after_hours="findme_id=after-hours&type=2&phone_to_call=5551112222&dial_as=1001&page=https%3A%2F%2Fshop.example%2FLeadResponse.html"
after_hours+="&no_answer_email=sales%40shop.example&no_answer_sms=5554443333&no_answer_url=http%3A%2F%2F127.0.0.1%3A$FALLBACK_SINKS_PORT%2Fno-answer&no_answer_phone=1001"
cat <<TXT
Click-to-Agent, queue "sales" (rings the agent, paused "Outbound" meanwhile, then 5550100; open each status_url):
  alice (1001) is available: rings 1001, then 5550100; completed
    $agent=alice
  bob (1002) is paused for Lunch: agent_unavailable, nothing is dialed
    $agent=bob
  carol (1003) is paused for Work, which counts as available: rings as alice does
    $agent=carol
  dave (1004) is on a queue call: agent_unavailable
    $agent=dave
  erin (1005) is logged out: agent_unavailable
    $agent=erin

Click-to-FindMe (every attempt is listed in the status document):
  type=2, "front-desk" in order, 5 s each: 5550101 rings out, 5550102 is busy, 1001 answers and is connected to 5550100
    $findme&findme_id=front-desk&type=2&phone_to_call=5550100
  type=2, "after-hours", where nobody answers: the email, SMS and signed XML print here, then 1001 (no_answer_phone) is connected to 5551112222
    $findme&$after_hours
  type=1, "everyone" at once: 5550100 answers first, then 5550101, 5550102 and 1001 ring together: 5550102 is busy, 1001 answers, 5550101 stops ringing
    $findme&findme_id=everyone&type=1&phone_to_call=5550100
  type=2, "everyone" at once (the README's c2c-relay-ringall context): the three ring together, 1001 answers and hears 5550100 ring
    $findme&findme_id=everyone&type=2&phone_to_call=5550100
  type=1, "front-desk" in turn (the README's c2c-relay-hunt context): 5550100 answers, then 5550101 rings out, 5550102 is busy, 1001 answers
    $findme&findme_id=front-desk&type=1&phone_to_call=5550100
TXT

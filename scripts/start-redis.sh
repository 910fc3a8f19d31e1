#!/usr/bin/env bash
# Starts a private, throw-away redis-server on a free local port in DIR and prints its URL.
# Usage: start-redis.sh DIR   (stop it with: redis-cli -p PORT shutdown nosave, or kill $(cat DIR/redis.pid))
set -euo pipefail
dir=$1
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
for _ in $(seq 1 50); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then echo "redis://127.0.0.1:$port"; exit 0; fi
  sleep 0.1
done
echo "redis-server did not start; see $dir/redis.log" >&2
exit 1

#!/usr/bin/env bash
# Starts a throw-away Redis Cluster of real redis-servers: 3 masters and 3 replicas on loopback,
# AOF with `appendfsync everysec` (as in production), `cluster-node-timeout` 2000 ms so that a
# failover takes seconds, `cluster-require-full-coverage no` (as the README recommends), and prints
# the seed URLs comma-separated on stdout (masters first):
#   redis://127.0.0.1:12001,redis://127.0.0.1:12002,…
#
# Usage: start-redis-cluster.sh DIR         start (a cluster left in DIR by an earlier run is stopped first)
#        start-redis-cluster.sh stop DIR    kill the cluster's servers (idempotent; only pids it wrote)
#
# DIR/<port>/ holds each node's redis.conf (restart a killed node with `redis-server DIR/<port>/redis.conf`:
# it rejoins as a replica), redis.pid, redis.log, nodes.conf and AOF. DIR/ports lists the ports,
# DIR/seeds the URLs printed. Needs redis-server and redis-cli (scripts/ensure-redis.sh) and node.
set -euo pipefail

NODES=6
NODE_TIMEOUT_MS=${REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}

# The pids of the servers started in DIR, each checked to still be a redis-server of that DIR (a pid
# file may outlive its process, and the pid be reused by something else).
cluster_pids() {
  local dir=$1 pidfile pid
  for pidfile in "$dir"/*/redis.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || continue
    if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q redis-server; then
      [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(dirname "$pidfile")" ] && echo "$pid"
    fi
  done
}

stop_cluster() {
  local dir=$1 pids pid
  [ -d "$dir" ] || return 0
  pids=$(cluster_pids "$dir")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -9 $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    local alive=0
    for pid in $pids; do [ -d "/proc/$pid" ] && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  rm -f "$dir"/*/redis.pid
}

if [ "${1:-}" = "stop" ]; then
  stop_cluster "${2:?usage: start-redis-cluster.sh stop DIR}"
  exit 0
fi

dir=${1:?usage: start-redis-cluster.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stop_cluster "$dir"
rm -rf "${dir:?}"/[0-9]* "$dir/ports" "$dir/seeds"

started_ok=0
on_exit() { [ "$started_ok" = 1 ] || stop_cluster "$dir"; }
trap on_exit EXIT

# Ports 12000-14767 and their cluster bus ports (+10000: 22000-24767) lie below the kernel's
# ephemeral range (outgoing connections never take them) and below the ports the fault suite reserves.
free_ports() {
  node -e '
    const net = require("net");
    const bindable = (port) => new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(false)); s.listen({ port, host: "127.0.0.1", exclusive: true }, () => s.close(() => ok(true))); });
    (async () => {
      const found = [];
      for (let tries = 0; found.length < Number(process.argv[1]) && tries < 2000; tries++) {
        const port = 12000 + Math.floor(Math.random() * 2768);
        if (found.includes(port)) continue;
        if ((await bindable(port)) && (await bindable(port + 10000))) found.push(port);
      }
      console.log(found.join(" "));
    })();' "$1"
}

start_node() {
  local port=$1 node_dir="$dir/$1"
  mkdir -p "$node_dir"
  cat >"$node_dir/redis.conf" <<EOF
port $port
bind 127.0.0.1
dir $node_dir
daemonize yes
pidfile $node_dir/redis.pid
logfile $node_dir/redis.log
cluster-enabled yes
cluster-config-file $node_dir/nodes.conf
cluster-node-timeout $NODE_TIMEOUT_MS
# A replica always tries to take over a dead master, however long ago it last heard from it.
cluster-replica-validity-factor 0
# While a dead master's slots wait for its replica to take over, the other masters keep serving
# theirs; with the default (yes) every node answers CLUSTERDOWN for every key meanwhile. The README
# recommends it for production too: all the keys of one call live in one slot.
cluster-require-full-coverage no
appendonly yes
appendfsync everysec
save ""
EOF
  (cd "$node_dir" && redis-server "$node_dir/redis.conf")
  for _ in $(seq 1 50); do
    if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then return 0; fi
    # A server that could not bind its port (taken meanwhile) has exited: give up on this port.
    if grep -qiE 'Address already in use|Could not create server TCP' "$node_dir/redis.log" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

ports=()
for _ in 1 2 3; do
  for port in $(free_ports $((NODES - ${#ports[@]}))); do
    if start_node "$port"; then ports+=("$port"); else rm -rf "${dir:?}/$port"; fi
  done
  [ "${#ports[@]}" -ge "$NODES" ] && break
done
if [ "${#ports[@]}" -lt "$NODES" ]; then
  echo "could not start $NODES redis-servers (started: ${ports[*]:-none}); see $dir/*/redis.log" >&2
  exit 1
fi

addresses=()
for port in "${ports[@]}"; do addresses+=("127.0.0.1:$port"); done
if ! redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1; then
  echo "redis-cli --cluster create failed:" >&2
  cat "$dir/create.log" >&2
  exit 1
fi

# Ready when every node says cluster_state:ok and knows all six nodes (none still handshaking).
ready() {
  local port
  for port in "${ports[@]}"; do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    [ "$(redis-cli -p "$port" cluster nodes 2>/dev/null | grep -vc -e handshake -e fail -e noaddr -e disconnected)" -eq "$NODES" ] || return 1
  done
}
for _ in $(seq 1 200); do
  if ready; then break; fi
  sleep 0.1
done
if ! ready; then
  echo "the cluster did not reach cluster_state:ok on every node within 20 s:" >&2
  for port in "${ports[@]}"; do echo "--- $port" >&2; redis-cli -p "$port" cluster nodes >&2 || true; done
  exit 1
fi

# Masters first: a client that tries its seeds in order finds a master at once.
masters=$(redis-cli -p "${ports[0]}" cluster nodes | awk '$3 ~ /master/ { split($2, a, "[:@]"); print a[2] }')
replicas=$(redis-cli -p "${ports[0]}" cluster nodes | awk '$3 ~ /slave/ { split($2, a, "[:@]"); print a[2] }')
printf '%s\n' "${ports[@]}" >"$dir/ports"
seeds=$(for port in $masters $replicas; do printf 'redis://127.0.0.1:%s\n' "$port"; done | paste -sd, -)
echo "$seeds" >"$dir/seeds"
started_ok=1
echo "$seeds"

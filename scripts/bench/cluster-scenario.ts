/**
 * The bench's `cluster` scenario (run only when BENCH_SCENARIOS names it): the full click2call round
 * trip against the AMI double, the load spread evenly over several accounts (the sharding key, see
 * shared/shards.ts), measured twice with one web and one worker process:
 * 1. 1 shard on the bench's one Redis (a relay of its own, QUEUE_SHARDS=1, stopped after its row);
 * 2. 3 shards on a real 3-master, 3-replica Redis Cluster (scripts/start-redis-cluster.sh, in the
 *    bench's temp dir, stopped at the end), REDIS_CLUSTER=true, QUEUE_SHARDS=3.
 * Accounts are provisioned until each shard has ACCOUNTS_PER_SHARD (ids land on shards by a hash),
 * so each shard gets the same share of the load; each master's `INFO commandstats`, reset before the
 * load, then measures where the work really went (report.ts prints each master's share).
 * The AMI double sends every event to every AMI session, as Asterisk does, and the worker holds one
 * session per account: each relay is stopped after its row so the other row's sessions are not fed
 * too, and few accounts keep that fan-out small.
 */
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALL_QUEUE } from '../../shared/call-job.js';
import { clusterSlot, Shards } from '../../shared/shards.js';
import type { Load, Relay, Target } from './bench.js';
import { peakRssMb, type Child } from './processes.js';
import type { RowKind } from './report.js';

const SHARDS = 3;
const ACCOUNTS_PER_SHARD = Number(process.env.BENCH_CLUSTER_ACCOUNTS_PER_SHARD ?? 2);
const PREFIX = 'c2c';

export interface ClusterBench {
  logDir: string;
  /** The bench relay's environment (its one Redis); REDIS_URL and the cluster settings are replaced for the cluster. */
  env: Record<string, string>;
  /** The bench's one Redis: its pid, a connection counting its commands, and a wait for its queue to drain. */
  redis: { pids: () => number[]; stats: Redis; drain: () => Promise<void> };
  pbxPids: () => number[];
  provision: (webPort: number) => Promise<{ accountId: string; apiKey: string }>;
  startRelay: (env: Record<string, string>, webs: number, workers: number, tag: string) => Promise<Relay>;
  stopRelay: (relay: Relay) => Promise<void>;
  record: (scenario: string, kind: RowKind, load: Load, target: Target) => Promise<void>;
  sanity: (urls: string[], apiKey: string) => Promise<void>;
}

export async function clusterScenario(bench: ClusterBench): Promise<void> {
  const accounts = SHARDS * ACCOUNTS_PER_SHARD;
  const single = await bench.startRelay(bench.env, 1, 1, 'one-shard');
  try {
    const keys = await provisionSpread(bench, single.ports[0] as number, 1, accounts);
    const target = relayTarget(bench, single, bench.redis.pids, bench.redis.stats, bench.redis.drain);
    await bench.record(`click2call, 1 shard on one Redis (${accounts} accounts, AMI PBX)`, 'one-shard', loadOf(single.ports[0] as number, keys), target);
  } finally {
    await bench.stopRelay(single);
  }

  const dir = join(bench.logDir, 'cluster');
  const seeds = execFileSync('bash', ['scripts/start-redis-cluster.sh', dir], { encoding: 'utf8' }).trim();
  const masters = new Map<number, Redis>();
  let relay: Relay | undefined;
  try {
    const nodes = await mastersOf(seeds);
    for (const { port } of nodes) masters.set(port, new Redis({ host: '127.0.0.1', port }));
    const shards = new Shards(PREFIX, SHARDS, true);
    const placement = shards.all().map((n) => {
      const slot = clusterSlot(/\{(.*)\}/.exec(shards.keyPrefix(n))?.[1] ?? '');
      return `shard ${n} → slot ${slot} on ${nodes.find((m) => m.slots.some(([lo, hi]) => slot >= lo && slot <= hi))?.port}`;
    });
    process.stderr.write(`[bench] cluster ${seeds}; masters ${nodes.map((m) => m.port).join(', ')}; ${placement.join(', ')}\n`);

    relay = await bench.startRelay({ ...bench.env, REDIS_URL: seeds, REDIS_CLUSTER: 'true', QUEUE_SHARDS: String(SHARDS), REDIS_PREFIX: PREFIX }, 1, 1, 'cluster');
    const port = relay.ports[0] as number;
    const keys = await provisionSpread(bench, port, SHARDS, ACCOUNTS_PER_SHARD);
    const redisPids = readFileSync(join(dir, 'ports'), 'utf8').trim().split('\n').map((p) => Number(readFileSync(join(dir, p, 'redis.pid'), 'utf8').trim()));
    const target = relayTarget(bench, relay, () => redisPids, masters, () => drainShards(seeds, shards));
    await bench.record(`click2call, 3 shards on a 3-master cluster (${accounts} accounts, AMI PBX)`, 'cluster', loadOf(port, keys), target);
  } finally {
    if (relay) await bench.stopRelay(relay);
    for (const master of masters.values()) master.disconnect();
    execFileSync('bash', ['scripts/start-redis-cluster.sh', 'stop', dir]);
  }
}

/** A relay's processes (Redis: all of its servers, replicas included) and how its commands are counted. */
function relayTarget(bench: ClusterBench, relay: Relay, redisPids: () => number[], stats: Target['stats'], settle: () => Promise<void>): Target {
  const pids = (children: Child[]) => children.map((child) => child.process.pid ?? -1);
  return {
    roles: { web: () => pids(relay.webs), worker: () => pids(relay.workers), redis: redisPids, pbx: bench.pbxPids, load: () => [process.pid] },
    rss: () => ({ webRss: Math.max(...relay.webs.map(peakRssMb)), workerRss: Math.max(...relay.workers.map(peakRssMb)) }),
    ...(stats ? { stats } : {}),
    settle,
  };
}

/** Provisions accounts until each of `shards` shards has `perShard` (extras are left unused); answers their API keys. */
async function provisionSpread(bench: ClusterBench, port: number, shards: number, perShard: number): Promise<string[]> {
  const placement = new Shards(PREFIX, shards);
  const byShard: string[][] = Array.from({ length: shards }, () => []);
  for (let made = 0; byShard.some((keys) => keys.length < perShard); made++) {
    if (made > 20 * shards * perShard) throw new Error(`could not place ${perShard} accounts on each of ${shards} shards: ${byShard.map((keys) => keys.length).join('/')}`);
    const { accountId, apiKey } = await bench.provision(port);
    const keys = byShard[placement.ofAccount(accountId)];
    if (keys && keys.length < perShard) keys.push(apiKey);
  }
  // One call through each shard before anything is measured; then the keys interleaved, shard by shard.
  await Promise.all(byShard.map((keys) => bench.sanity([`http://127.0.0.1:${port}/v1/click2call?dial_first=1001&dial_second=5550100`], keys[0] ?? '')));
  return Array.from({ length: perShard }, (_, i) => byShard.map((keys) => keys[i] ?? '')).flat();
}

function loadOf(port: number, apiKeys: string[]): Load {
  return { urls: [`http://127.0.0.1:${port}/v1/click2call?dial_first=1001&dial_second=5550100`], headerSets: apiKeys.map((key) => ({ 'x-api-key': key })) };
}

/**
 * The masters that serve slots, as the first seed sees them once it knows SHARDS of them (just after
 * `--cluster create` a node may still see a fresh replica as a master without slots). Replicas are
 * left out of the counts: they run every write again from the replication stream.
 */
async function mastersOf(seeds: string): Promise<{ port: number; slots: [number, number][] }[]> {
  const first = new Redis(seeds.split(',')[0] ?? '');
  try {
    for (let tries = 0; ; tries++) {
      const masters = parseMasters((await first.call('CLUSTER', 'NODES')) as string);
      if (masters.length === SHARDS || tries >= 50) return masters;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    first.disconnect();
  }
}

function parseMasters(text: string): { port: number; slots: [number, number][] }[] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => (fields[2] ?? '').split(',').includes('master') && !(fields[2] ?? '').includes('fail'))
    .map((fields) => ({
      port: Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]),
      slots: fields.slice(8).filter((range) => !range.startsWith('[')).map((range) => {
        const [lo, hi] = range.split('-').map(Number);
        return [lo ?? 0, hi ?? lo ?? 0] as [number, number];
      }),
    }))
    .filter((master) => master.slots.length > 0)
    .sort((a, b) => a.port - b.port);
}

/** Waits until no shard's queue has a job waiting, active or delayed. */
async function drainShards(seeds: string, shards: Shards): Promise<void> {
  const connection = new Cluster(seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(new URL(seed).port) })));
  // skipMetasUpdate: this observer must not reset the queue settings the web process wrote.
  const queues = shards.all().map((n) => new Queue(CALL_QUEUE, { connection, prefix: shards.queuePrefix(n), skipMetasUpdate: true }));
  try {
    for (;;) {
      const counts = await Promise.all(queues.map((queue) => queue.getJobCounts('wait', 'active', 'delayed')));
      if (counts.every((c) => (c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    connection.disconnect();
  }
}

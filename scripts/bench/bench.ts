/**
 * `npm run bench`: starts its own Redis, two PBX doubles (the AMI double, and an instant HTTP PBX),
 * two baselines (bare Express; the naive relay of naive-relay-web.ts and naive-relay-worker.ts, the
 * short program a user might write instead), and the built web and worker processes. It drives
 * load with autocannon (closed loop) or open-loop.ts (fixed rates) and prints one table whose ratios
 * compare each scenario with both baselines measured in the same run. It reports; it never fails on
 * a number.
 *
 * Scenarios (BENCH_SCENARIOS, a comma list; all by default):
 * - baseline: bare Express 5, at the start and again at the end of the run;
 * - naive: the naive relay's full round trip and the relay's, both against the instant HTTP PBX
 *   (the relay through an `other` connection), the naive relay again at the end of the run;
 * - click2call, enqueue (wait=0), status: the relay against the AMI double;
 * - fixed: the relay at BENCH_FIXED_RATE req/s (default 1000), open loop, with the AMI double and
 *   with the HTTP PBX, and the naive relay at the same rate;
 * - light: the relay and the naive relay at BENCH_LIGHT_RATE req/s (default 200), open loop,
 *   against the instant HTTP PBX;
 * - memory: Redis bytes per status document; scaling: 1–2 web × 1–2 worker processes;
 * - cluster (only when named): the full round trip spread over several accounts, 1 shard on the
 *   bench's Redis against 3 shards on a 3-master Redis Cluster, with each master's share of the
 *   commands (cluster-scenario.ts).
 * BENCH_DURATION (s, default 10) and BENCH_CONNECTIONS (default 50) tune the load; BENCH_NODE runs
 * every started process on another Node binary (the load generator stays on the bench's Node);
 * BENCH_VERBOSE=1 also prints the web's heap spaces and where Redis memory goes (a sample document,
 * the status key's size, every other key).
 */
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALL_QUEUE, queuePrefix } from '../../shared/call-job.js';
import { clusterScenario } from './cluster-scenario.js';
import { openLoop } from './open-loop.js';
import { BENCH_NODE, cpuMs, freePort, machineShares, machineTicks, peakRssMb, spawnNode, stop, waitForHttp, type Child } from './processes.js';
import { formatReport, ROUND_TRIP_AMI, type CpuPerRequest, type Row, type RowKind } from './report.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 1000);
/** Seconds of the same load before each measured scenario, not measured (its own code paths, the queue's state). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
/**
 * Seconds of load each system gets once, before its first measured scenario, so that every one is
 * measured at its steady state. On Node 24 the relay's processes took about 30 s of load to reach
 * it (three back-to-back 10 s runs after 3 s warm-ups: 853, 978, 1266 req/s, web CPU per call 0.58,
 * 0.44, 0.32 ms), the naive relay's much less: a 3 s warm-up measured a small program warm against
 * a large one still being optimised.
 */
const PROCESS_WARMUP = Number(process.env.BENCH_PROCESS_WARMUP ?? 30);
/** Connections the open-loop generator may hold, like a proxy's limit; requests beyond wait (and their wait counts). */
const OPEN_LOOP_SOCKETS = 256;
/** A second fixed rate well below saturation: the latency a user sees when the relay has headroom. */
const LIGHT_RATE = Number(process.env.BENCH_LIGHT_RATE ?? 200);
/** Comma list of scenarios to run (see the header); all by default, except those run only when named. */
const ONLY = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
const ONLY_WHEN_NAMED = ['cluster'];
const wanted = (name: string) => (ONLY === undefined ? !ONLY_WHEN_NAMED.includes(name) : ONLY.includes(name));
const ADMIN_TOKEN = randomBytes(24).toString('base64url');
const logDir = mkdtempSync(join(tmpdir(), 'c2c-bench-'));

export interface Relay {
  webs: Child[];
  workers: Child[];
  ports: number[];
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function startRedis(): Promise<{ url: string; pid: number; stop: () => void }> {
  const url = execFileSync('bash', ['scripts/start-redis.sh', join(logDir, 'redis')], { encoding: 'utf8' }).trim();
  const pid = Number(readFileSync(join(logDir, 'redis', 'redis.pid'), 'utf8').trim());
  return { url, pid, stop: () => process.kill(pid) };
}

/** The processes whose CPU time a scenario accounts for, by role. */
export type CpuRoles = Record<keyof CpuPerRequest, () => number[]>;

function cpuSnapshot(roles: CpuRoles): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [role, pids] of Object.entries(roles)) snapshot[role] = pids().reduce((sum, pid) => sum + cpuMs(pid), 0);
  return snapshot;
}

/**
 * Drives one scenario and charges each process's CPU time to the requests it served. `redis`: the
 * one Redis whose commands are counted, or each master of a cluster by port (the row then also
 * gets each master's count).
 */
async function measure(load: Load, roles: CpuRoles, redis?: Redis | Map<number, Redis>): Promise<Omit<Row, 'scenario' | 'webRss' | 'workerRss'>> {
  const nodes = redis instanceof Map ? [...redis] : redis ? [[0, redis] as const] : [];
  if (WARMUP > 0) await run(load, WARMUP);
  // Counted from here: the warm-up's commands would be charged to the measured requests.
  await Promise.all(nodes.map(([, node]) => node.config('RESETSTAT')));
  const before = cpuSnapshot(roles);
  const machineBefore = machineTicks();
  const result = await run(load, DURATION);
  const machine = machineShares(machineBefore, machineTicks());
  const after = cpuSnapshot(roles);
  const requests = Math.max(1, result.rps * DURATION);
  const cpu = Object.fromEntries(Object.keys(roles).map((role) => [role, ((after[role] ?? 0) - (before[role] ?? 0)) / requests])) as unknown as CpuPerRequest;
  const perNode = await Promise.all(nodes.map(async ([port, node]) => [port, commandCounts(await node.info('commandstats'))] as const));
  const redisCalls: Record<string, number> = {};
  for (const [, counts] of perNode) for (const [name, calls] of Object.entries(counts)) redisCalls[name] = (redisCalls[name] ?? 0) + calls;
  const perRequest = Object.fromEntries(Object.entries(redisCalls).map(([name, calls]) => [name, calls / requests]));
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
  const masters = redis instanceof Map ? { masters: Object.fromEntries(perNode.map(([port, counts]) => [String(port), total(counts)])) } : {};
  return { ...result, cpu, ...(machine ? { machine } : {}), ...(redis ? { redisCommands: perRequest } : {}), ...masters };
}

/** `INFO commandstats` as calls per command (EVALSHA, HSET, …). */
function commandCounts(info: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, name, calls] = match;
    // The bench's own CONFIG RESETSTAT and INFO are left out (Redis 7 names subcommands `config|resetstat`).
    if (name && !['config', 'info'].includes(name.split('|')[0] ?? '')) counts[name] = Number(calls);
  }
  return counts;
}

async function startRelay(env: Record<string, string>, webCount: number, workerCount: number, tag: string): Promise<Relay> {
  const ports: number[] = [];
  const webs: Child[] = [];
  for (let i = 0; i < webCount; i++) {
    const port = await freePort();
    ports.push(port);
    webs.push(spawnNode('dist/api/main.js', [], { ...env, PORT: String(port), SERVER_ID: `web-${i}` }, logDir, `${tag}-web-${i}`));
  }
  const workers = Array.from({ length: workerCount }, (_, i) => spawnNode('dist/worker/main.js', [], env, logDir, `${tag}-worker-${i}`));
  await Promise.all(ports.map((port) => waitForHttp(`http://127.0.0.1:${port}/readyz`)));
  return { webs, workers, ports };
}

async function stopRelay(relay: Relay): Promise<void> {
  await Promise.all([...relay.webs, ...relay.workers].map(stop));
}

async function admin(port: number, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** One account with two connections: the AMI double (its default) and the instant HTTP PBX (`pbx=other`). */
async function provision(port: number, amiPort: number, httpPbxUrl: string): Promise<{ accountId: string; apiKey: string }> {
  const { account } = await admin(port, 'POST', '/admin/v1/accounts', { name: 'bench' });
  const { key } = await admin(port, 'POST', `/admin/v1/accounts/${account.id}/keys`, { label: 'bench' });
  await admin(port, 'PUT', `/admin/v1/accounts/${account.id}/pbx/asterisk`, { host: '127.0.0.1', port: amiPort, username: 'relay', secret: 'relaysecret' });
  await admin(port, 'PUT', `/admin/v1/accounts/${account.id}/pbx/other`, { url: `${httpPbxUrl}?from={dial_first}&to={dial_second}&id={request_id}` });
  await admin(port, 'PUT', `/admin/v1/accounts/${account.id}/policy`, { default_pbx: 'asterisk', rate_per_minute: 10_000_000, max_concurrent: 10_000 });
  return { accountId: account.id as string, apiKey: key.api_key as string };
}

export interface Load {
  urls: string[];
  headers?: Record<string, string>;
  amount?: number;
  /** Rotates through these paths instead of one fixed URL. */
  paths?: string[];
  /** Rotates through these header sets (added to `headers`), e.g. one API key per account. */
  headerSets?: Record<string, string>[];
  /** Open loop instead of autocannon's closed loop: this many requests per second, evenly spaced. */
  openLoopRate?: number;
}

/** Drives a load for `seconds`: autocannon (closed loop), or open-loop.ts at a fixed rate. */
function run(load: Load, seconds: number): Promise<Omit<Row, 'scenario' | 'webRss' | 'workerRss' | 'cpu'>> {
  if (load.openLoopRate === undefined) return drive(load, seconds);
  return openLoop({ url: load.urls[0] ?? '', headers: load.headers ?? {}, rate: load.openLoopRate, durationSeconds: seconds, maxSockets: OPEN_LOOP_SOCKETS });
}

/** Runs autocannon against one or several URLs at once (connections split among them) and merges. */
async function drive(load: Load, seconds: number): Promise<Omit<Row, 'scenario' | 'webRss' | 'workerRss' | 'cpu'>> {
  const perUrl = Math.max(1, Math.floor(CONNECTIONS / load.urls.length));
  const results = await Promise.all(
    load.urls.map((url) => {
      let next = 0;
      const { paths, headerSets } = load;
      const rotate = (request: any) => {
        const n = next++;
        return {
          ...request,
          ...(paths === undefined ? {} : { path: paths[n % paths.length] }),
          ...(headerSets === undefined ? {} : { headers: { ...request.headers, ...headerSets[n % headerSets.length] } }),
        };
      };
      return autocannon({
        url,
        connections: perUrl,
        duration: seconds,
        headers: load.headers ?? {},
        ...(load.amount === undefined ? {} : { amount: load.amount }),
        ...(paths === undefined && headerSets === undefined ? {} : { requests: [{ setupRequest: rotate }] }),
      });
    }),
  );
  return {
    rps: results.reduce((sum, r) => sum + r.requests.average, 0),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p90: Math.max(...results.map((r) => r.latency.p90)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0),
  };
}

/** One call through each click2call URL, before anything is measured. */
export async function sanity(urls: string[], apiKey: string): Promise<void> {
  for (const url of urls) {
    const body = (await (await fetch(url, { headers: { 'x-api-key': apiKey } })).json()) as { response?: { status: string; errors: unknown }; status?: string };
    // The relay answers { response: { status } }, the naive relay { status }.
    const status = body.response?.status ?? body.status;
    if (status !== 'success') throw new Error(`sanity call to ${url} failed: ${JSON.stringify(body)}`);
  }
}

interface NaiveRelay {
  web: Child;
  worker: Child;
  url: string;
}

/** Starts the naive relay and gives `apiKey` an account record that points it at the HTTP PBX. */
async function startNaiveRelay(redisUrl: string, apiKey: string, httpPbxUrl: string): Promise<NaiveRelay> {
  const redis = new Redis(redisUrl);
  await redis.set(`naive:key:${apiKey}`, JSON.stringify({ pbxUrl: httpPbxUrl }));
  redis.disconnect();
  const port = await freePort();
  const web = spawnNode('dist/scripts/bench/naive-relay-web.js', [String(port)], { REDIS_URL: redisUrl }, logDir, 'naive-web');
  const worker = spawnNode('dist/scripts/bench/naive-relay-worker.js', [], { REDIS_URL: redisUrl }, logDir, 'naive-worker');
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  return { web, worker, url: `http://127.0.0.1:${port}/v1/click2call?dial_first=1001&dial_second=5550100` };
}

/** Each system's one warm-up (PROCESS_WARMUP), one after the other; nothing of it is measured. */
async function warmUp(systems: { name: string; load: Load; seconds?: number; settle?: () => Promise<void> }[]): Promise<void> {
  if (PROCESS_WARMUP <= 0) return;
  for (const system of systems) {
    log(`warming up ${system.name}`);
    await run(system.load, system.seconds ?? PROCESS_WARMUP);
    await system.settle?.();
  }
}

/** Waits until a queue (the relay's by default) has no job waiting, active or delayed. */
async function drain(redisUrl: string, name = CALL_QUEUE, prefix = queuePrefix('c2c')): Promise<void> {
  // skipMetasUpdate: this observer must not reset the queue settings the web process wrote.
  const queue = new Queue(name, { connection: new Redis(redisUrl), prefix, skipMetasUpdate: true });
  try {
    for (;;) {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed');
      if ((counts.wait ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await queue.close();
  }
}

async function redisBytesPerDocument(redisUrl: string, port: number, apiKey: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    await drain(redisUrl);
    const before = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    const docsBefore = (await redis.keys('c2c:st:*')).length;
    await autocannon({ url: `http://127.0.0.1:${port}/v1/click2call?dial_first=1001&dial_second=5550100&wait=0`, connections: 20, amount: 10_000, headers: { 'x-api-key': apiKey } });
    await drain(redisUrl);
    // Let the calls' progress events land too: each document grows until its call completes.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    const docKeys = await redis.keys('c2c:st:*');
    const docs = docKeys.length - docsBefore;
    if (process.env.BENCH_VERBOSE) {
      const sample = docKeys.slice(0, 50);
      const docBytes = (await Promise.all(sample.map((key) => redis.memory('USAGE', key)))).reduce((sum: number, n) => sum + Number(n), 0) / sample.length;
      const otherKeys = (await redis.keys('c2c:*')).filter((key) => !key.startsWith('c2c:st:'));
      const others = await Promise.all(otherKeys.map(async (key) => `${key} ${Number(await redis.memory('USAGE', key))}`));
      log(`sample stored document: ${await redis.get(sample[0] ?? '')}`);
      log(`status key: ${Math.round(docBytes)} B each; events stream length ${await redis.xlen('c2c:q:click2call:events')}, meta ${JSON.stringify(await redis.hgetall('c2c:q:click2call:meta'))}; other keys:\n${others.join('\n')}`);
    }
    return Math.round((after - before) / Math.max(docs, 1));
  } finally {
    redis.disconnect();
  }
}

/** Where a scenario's load goes: the processes its CPU time is charged to, and what follows it. */
export interface Target {
  roles: CpuRoles;
  rss: () => { webRss: number; workerRss: number };
  /** Counts Redis commands per request: one Redis, or each master of a cluster by port; absent for the Express baseline. */
  stats?: Redis | Map<number, Redis>;
  /** Waits until the calls the scenario queued are done, so they do not run into the next one. */
  settle?: () => Promise<void>;
}

async function main(): Promise<void> {
  const node = execFileSync(BENCH_NODE, ['--version'], { encoding: 'utf8' }).trim();
  log(`node ${node} (load generator ${process.version}), ${cpus().length} cores, ${DURATION} s per scenario, ${CONNECTIONS} connections; logs in ${logDir}`);
  const redis = await startRedis();
  const amiPort = await freePort();
  const pbx = spawnNode('dist/scripts/bench/bench-pbx.js', [String(amiPort)], {}, logDir, 'pbx');
  const httpPbxPort = await freePort();
  const httpPbx = spawnNode('dist/scripts/bench/bench-http-pbx.js', [String(httpPbxPort)], {}, logDir, 'http-pbx');
  const httpPbxUrl = `http://127.0.0.1:${httpPbxPort}/c2c`;
  const baselinePort = await freePort();
  const baseline = spawnNode('dist/scripts/bench/baseline-server.js', [String(baselinePort)], {}, logDir, 'baseline');
  await Promise.all([waitForHttp(`http://127.0.0.1:${baselinePort}/`), waitForHttp(httpPbxUrl)]);
  const env = {
    REDIS_URL: redis.url,
    C2C_MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN,
    RELOAD_WINDOW_SECONDS: '0', // the load repeats one call on purpose
    ALLOW_PRIVATE_PBX_ADDRESSES: 'true', // the PBX doubles listen on loopback
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const rows: Row[] = [];
  const scaling: { setup: string; rps: number }[] = [];
  let naive: NaiveRelay | undefined;
  try {
    let relay = await startRelay(env, 1, 1, 'main');
    const port = relay.ports[0] as number;
    const { apiKey } = await provision(port, amiPort, httpPbxUrl);
    const headers = { 'x-api-key': apiKey };
    const c2c = `http://127.0.0.1:${port}/v1/click2call?dial_first=1001&dial_second=5550100`;
    const c2cHttp = `${c2c}&pbx=other`;
    await sanity([c2c, c2cHttp], apiKey);
    if (wanted('naive') || wanted('light') || wanted('fixed')) {
      naive = await startNaiveRelay(redis.url, apiKey, httpPbxUrl);
      await sanity([naive.url], apiKey);
    }
    await warmUp([
      ...(wanted('baseline') ? [{ name: 'bare Express', load: { urls: [`http://127.0.0.1:${baselinePort}/`] } }] : []),
      // The relay's two PBX paths share the web and most of the worker: a third of the time on AMI.
      { name: 'the relay (HTTP PBX)', load: { urls: [c2cHttp], headers }, seconds: (PROCESS_WARMUP * 2) / 3, settle: () => drain(redis.url) },
      { name: 'the relay (AMI PBX)', load: { urls: [c2c], headers }, seconds: PROCESS_WARMUP / 3, settle: () => drain(redis.url) },
      ...(naive ? [{ name: 'the naive relay', load: { urls: [naive.url], headers }, settle: () => drain(redis.url, 'naive-calls', 'bull') }] : []),
    ]);
    const stats = new Redis(redis.url);
    const pids = (children: Child[]) => children.map((child) => child.process.pid ?? -1);
    const common = { redis: () => [redis.pid], load: () => [process.pid] };
    const relayRss = () => ({ webRss: Math.max(...relay.webs.map(peakRssMb)), workerRss: Math.max(...relay.workers.map(peakRssMb)) });
    const settleRelay = () => drain(redis.url);
    const relayAmi: Target = { roles: { ...common, web: () => pids(relay.webs), worker: () => pids(relay.workers), pbx: () => pids([pbx]) }, rss: relayRss, stats, settle: settleRelay };
    const relayHttp: Target = { ...relayAmi, roles: { ...relayAmi.roles, pbx: () => pids([httpPbx]) } };
    const express: Target = { roles: { ...common, web: () => pids([baseline]), worker: () => [], pbx: () => [] }, rss: () => ({ webRss: peakRssMb(baseline), workerRss: 0 }) };
    const naiveTarget = (relayed: NaiveRelay): Target => ({
      roles: { ...common, web: () => pids([relayed.web]), worker: () => pids([relayed.worker]), pbx: () => pids([httpPbx]) },
      rss: () => ({ webRss: peakRssMb(relayed.web), workerRss: peakRssMb(relayed.worker) }),
      stats,
      settle: () => drain(redis.url, 'naive-calls', 'bull'),
    });
    const record = async (scenario: string, kind: RowKind | undefined, load: Load, target: Target) => {
      log(scenario);
      const result = await measure(load, target.roles, target.stats);
      rows.push({ scenario, ...(kind === undefined ? {} : { kind }), ...result, ...target.rss() });
      await target.settle?.();
    };

    if (wanted('baseline')) await record('baseline (bare Express 5)', 'express', { urls: [`http://127.0.0.1:${baselinePort}/`] }, express);
    if (naive && wanted('naive')) {
      await record('naive relay (full round trip, HTTP PBX)', 'naive', { urls: [naive.url], headers }, naiveTarget(naive));
      await record('click2call (full round trip, HTTP PBX)', 'round-trip', { urls: [c2cHttp], headers }, relayHttp);
    }
    if (wanted('click2call')) await record(ROUND_TRIP_AMI, 'round-trip', { urls: [c2c], headers }, relayAmi);
    if (wanted('enqueue')) await record('click2call wait=0 (enqueue, AMI PBX)', undefined, { urls: [`${c2c}&wait=0`], headers }, relayAmi);
    if (wanted('status')) {
      const paths: string[] = [];
      for (let i = 0; i < 500; i++) {
        const answer = (await (await fetch(`${c2c}&wait=0`, { headers })).json()) as { response: { status_url: string } };
        const url = new URL(answer.response.status_url);
        paths.push(`${url.pathname}${url.search}`);
      }
      await drain(redis.url);
      await record('status (GET /v1/status/{id})', 'status', { urls: [`http://127.0.0.1:${port}/`], paths }, relayAmi);
    }
    if (wanted('fixed')) {
      await record(`click2call at ${FIXED_RATE} req/s (AMI PBX)`, 'fixed', { urls: [c2c], headers, openLoopRate: FIXED_RATE }, relayAmi);
      // The same rate through the HTTP PBX, for the relay and the naive relay: whether the rate is within reach of a queue round trip on this machine at all.
      await record(`click2call at ${FIXED_RATE} req/s (HTTP PBX)`, 'fixed', { urls: [c2cHttp], headers, openLoopRate: FIXED_RATE }, relayHttp);
      if (naive) await record(`naive relay at ${FIXED_RATE} req/s (HTTP PBX)`, 'naive-fixed', { urls: [naive.url], headers, openLoopRate: FIXED_RATE }, naiveTarget(naive));
    }
    if (naive && wanted('light')) {
      await record(`click2call at ${LIGHT_RATE} req/s (light load, HTTP PBX)`, 'light', { urls: [c2cHttp], headers, openLoopRate: LIGHT_RATE }, relayHttp);
      await record(`naive relay at ${LIGHT_RATE} req/s (light load, HTTP PBX)`, 'naive-light', { urls: [naive.url], headers, openLoopRate: LIGHT_RATE }, naiveTarget(naive));
    }
    if (wanted('cluster')) {
      await clusterScenario({
        logDir,
        env,
        redis: { pids: common.redis, stats, drain: settleRelay },
        pbxPids: () => pids([pbx]),
        provision: async (webPort) => provision(webPort, amiPort, httpPbxUrl),
        startRelay,
        stopRelay,
        record,
        sanity,
      });
    }
    if (process.env.BENCH_VERBOSE) {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      log(metrics.split('\n').filter((line) => /^(nodejs_heap_size|nodejs_external|process_resident|nodejs_heap_space_size_total)/.test(line)).join('\n'));
    }
    // The machine drifts during a run: measure both baselines again at the end; ratios use the means.
    const relayRows = rows.filter((row) => row.kind !== 'express' && row.kind !== 'naive').length;
    if (naive && wanted('naive') && relayRows > 0) await record('naive relay again (after the relay scenarios)', 'naive', { urls: [naive.url], headers }, naiveTarget(naive));
    if (wanted('baseline') && rows.length > 1) await record('baseline again (after the relay scenarios)', 'express', { urls: [`http://127.0.0.1:${baselinePort}/`] }, express);
    if (naive) await Promise.all([stop(naive.web), stop(naive.worker)]);
    let bytesPerDoc: number | undefined;
    if (wanted('memory')) {
      log('redis memory per status document');
      bytesPerDoc = await redisBytesPerDocument(redis.url, port, apiKey);
    }

    if (wanted('scaling')) {
      const c2cRow = rows.find((row) => row.scenario === ROUND_TRIP_AMI);
      if (c2cRow) scaling.push({ setup: '1 web, 1 worker', rps: c2cRow.rps });
      for (const [webs, workers] of [[1, 2], [2, 1], [2, 2]] as const) {
        await stopRelay(relay);
        log(`scaling: ${webs} web, ${workers} worker`);
        relay = await startRelay(env, webs, workers, `scale-${webs}-${workers}`);
        const urls = relay.ports.map((p) => `http://127.0.0.1:${p}/v1/click2call?dial_first=1001&dial_second=5550100`);
        await drive({ urls, headers }, WARMUP);
        const result = await drive({ urls, headers }, DURATION);
        scaling.push({ setup: `${webs} web, ${workers} worker${workers > 1 ? 's' : ''}`, rps: result.rps });
        await drain(redis.url);
      }
    }
    stats.disconnect();
    await stopRelay(relay);
    process.stdout.write(formatReport({ node, loadNode: process.version, cores: cpus().length, duration: DURATION, connections: CONNECTIONS, rows, scaling, bytesPerDoc }));
  } finally {
    await Promise.all([stop(pbx), stop(httpPbx), stop(baseline), ...(naive ? [stop(naive.web), stop(naive.worker)] : [])]);
    redis.stop();
  }
}

// Exit explicitly: keep-alive sockets of the load generator would otherwise hold the process open.
main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

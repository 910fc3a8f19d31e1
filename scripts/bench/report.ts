/** CPU time each process spent per request served, in ms (load = the load generator, i.e. the bench itself). */
export interface CpuPerRequest {
  web: number;
  worker: number;
  redis: number;
  pbx: number;
  load: number;
}

/**
 * What a row stands for: one of the two baselines (bare Express; the naive relay, closed loop or at
 * the light rate), a relay scenario the issue sets a floor for, or one of the cluster scenario's pair
 * (1 shard on one Redis, 3 shards on a cluster). Rows without a kind only report.
 */
export type RowKind = 'express' | 'naive' | 'naive-light' | 'naive-fixed' | 'round-trip' | 'status' | 'fixed' | 'light' | 'one-shard' | 'cluster';

/** The `click2call` scenario's row: the full round trip on one Redis, one account, which the cluster row is also compared with. */
export const ROUND_TRIP_AMI = 'click2call (full round trip, AMI PBX)';

/** One measured scenario. Latencies in ms, RSS in MB. */
export interface Row {
  scenario: string;
  kind?: RowKind;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  webRss: number;
  workerRss: number;
  cpu: CpuPerRequest;
  /** How busy the machine's cores were during the measured run, and how much of them the hypervisor took (per cent of all cores). */
  machine?: { busy: number; steal: number };
  /** Redis commands executed per request (including those inside Lua scripts), by command. */
  redisCommands?: Record<string, number>;
  /** On a cluster: the commands each master ran during the load (all of them, not per request), by port. */
  masters?: Record<string, number>;
}

export interface Report {
  /** The Node of the measured processes. */
  node: string;
  /** The Node of the load generator (the bench itself), when it differs. */
  loadNode?: string;
  cores: number;
  duration: number;
  connections: number;
  rows: Row[];
  scaling: { setup: string; rps: number }[];
  bytesPerDoc?: number;
}

// Open-loop rows send a fixed rate: their req/s is the rate, so they compare by latency, not by ratio.
const OPEN_LOOP: ReadonlySet<RowKind> = new Set(['fixed', 'light', 'naive-light', 'naive-fixed']);

/** The floors of the performance issue (#16), by kind; the light-load one is relative to the naive relay's p99. */
function floorOf(row: Row, naiveLightP99: number | undefined): string {
  switch (row.kind) {
    case 'round-trip':
      return '≥ 1.0 × naive';
    case 'status':
      return '≥ 0.9 × Express';
    case 'fixed':
      return 'p99 ≤ 10 ms';
    case 'light':
      return naiveLightP99 === undefined ? 'p99 ≤ naive + 2 ms' : `p99 ≤ ${Math.round((naiveLightP99 + 2) * 10) / 10} ms (naive + 2)`;
    default:
      return '';
  }
}

/** The mean req/s of a baseline's runs (each baseline is measured at the start and at the end of the run). */
function meanRps(rows: Row[], kind: RowKind): { rps: number; runs: number } | undefined {
  const runs = rows.filter((row) => row.kind === kind);
  return runs.length === 0 ? undefined : { rps: runs.reduce((sum, row) => sum + row.rps, 0) / runs.length, runs: runs.length };
}

const ms = (value: number) => (value > 0 ? value.toFixed(2) : '');
const percent = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(value < 10 ? 1 : 0)} %`);

/** Pure: the markdown tables `npm run bench` prints. */
export function formatReport(report: Report): string {
  const naive = meanRps(report.rows, 'naive');
  const express = meanRps(report.rows, 'express');
  const naiveLightP99 = report.rows.find((row) => row.kind === 'naive-light')?.p99;
  const ratio = (row: Row, baseline: { rps: number } | undefined) =>
    baseline && !(row.kind && OPEN_LOOP.has(row.kind)) ? (row.rps / baseline.rps).toFixed(2) : '';
  const runs = (n: number) => (n > 1 ? `the mean of its ${n} runs` : 'its one run');
  const loadNode = report.loadNode && report.loadNode !== report.node ? ` (load generator on ${report.loadNode})` : '';
  const lines = [
    `Node ${report.node}${loadNode}, ${report.cores} cores, ${report.duration} s per scenario, ${report.connections} connections`,
    '',
    ...(naive ? [`× naive compares with the naive relay (same HTTP PBX double, same run), ${runs(naive.runs)}: ${Math.round(naive.rps)} req/s.`] : []),
    ...(express ? [`× Express compares with bare Express 5, ${runs(express.runs)}: ${Math.round(express.rps)} req/s.`] : []),
    ...(naive || express ? ['Fixed-rate (open-loop) rows compare by latency; their req/s is the rate they were sent at.', ''] : []),
    '| scenario | req/s | × naive | × Express | floor | p50 ms | p90 ms | p99 ms | errors | web RSS MB | worker RSS MB |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...report.rows.map(
      (row) =>
        `| ${row.scenario} | ${Math.round(row.rps)} | ${ratio(row, naive)} | ${ratio(row, express)} | ${floorOf(row, naiveLightP99)} | ${row.p50} | ${row.p90} | ${row.p99} | ${row.errors} | ${row.webRss || ''} | ${row.workerRss || ''} |`,
    ),
    '',
    'CPU time per request, ms (where the two cores go; "load" is the load generator), and how busy the cores were',
    '(a run whose cores are near 100 % busy is CPU-bound: its req/s follows the total; steal is what the hypervisor took):',
    '',
    '| scenario | web | worker | redis | pbx | load | total | cores busy | steal |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.rows.map((row) => {
      const { web, worker, redis, pbx, load } = row.cpu;
      return `| ${row.scenario} | ${ms(web)} | ${ms(worker)} | ${ms(redis)} | ${ms(pbx)} | ${ms(load)} | ${ms(web + worker + redis + pbx + load)} | ${percent(row.machine?.busy)} | ${percent(row.machine?.steal)} |`;
    }),
    '',
    'Redis commands per request (commands run inside Lua scripts included):',
    '',
    ...report.rows.filter((row) => row.redisCommands).map((row) => `- ${row.scenario}: ${formatCommands(row.redisCommands ?? {})}`),
    '',
  ];
  lines.push(...formatCluster(report.rows));
  if (report.bytesPerDoc !== undefined) {
    lines.push(`Redis memory per stored status document (with its history entry, claim and queue share): ${report.bytesPerDoc} bytes (floor ≤ 2048)`, '');
  }
  if (report.scaling.length > 0) {
    lines.push('| processes | click2call req/s |', '|---|---:|', ...report.scaling.map((s) => `| ${s.setup} | ${Math.round(s.rps)} |`), '');
  }
  return lines.join('\n');
}

/** The cluster scenario's lines: its ratio to one shard on one Redis, and each master's share of the commands. */
function formatCluster(rows: Row[]): string[] {
  const cluster = rows.find((row) => row.kind === 'cluster');
  if (!cluster) return [];
  const against = [rows.find((row) => row.kind === 'one-shard'), rows.find((row) => row.scenario === ROUND_TRIP_AMI)].flatMap((row) =>
    row ? [`${(cluster.rps / row.rps).toFixed(2)} × ${row.scenario} (${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms)`] : [],
  );
  const masters = Object.entries(cluster.masters ?? {});
  const total = masters.reduce((sum, [, n]) => sum + n, 0);
  const shares = masters.map(([port, n]) => `${port} ${total === 0 ? 0 : Math.round((100 * n) / total)}%`).join(' · ');
  return [
    `Cluster: ${cluster.scenario}: ${Math.round(cluster.rps)} req/s, p50 ${cluster.p50} ms, p99 ${cluster.p99} ms${against.length > 0 ? `; ${against.join('; ')}` : ''}.`,
    '',
    `masters: ${shares} (of ${total} commands during the load; INFO commandstats of each master)`,
    '',
  ];
}

function formatCommands(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n >= 0.05).sort((a, b) => b[1] - a[1]);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return `${total.toFixed(1)} in all; ${entries.map(([name, n]) => `${name} ${n.toFixed(1)}`).join(', ')}`;
}

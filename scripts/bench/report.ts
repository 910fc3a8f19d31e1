/** CPU time each process spent per request served, in ms (load = the load generator, i.e. the bench itself). */
export interface CpuPerRequest {
  web: number;
  worker: number;
  redis: number;
  pbx: number;
  load: number;
}

/** One measured scenario. Latencies in ms, RSS in MB. */
export interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  webRss: number;
  workerRss: number;
  cpu: CpuPerRequest;
  /** Redis commands executed per request (including those inside Lua scripts), by command. */
  redisCommands?: Record<string, number>;
}

export interface Report {
  node: string;
  cores: number;
  duration: number;
  connections: number;
  rows: Row[];
  scaling: { setup: string; rps: number }[];
  bytesPerDoc?: number;
}

// The floors of the performance issue, as ratios to the baseline (or absolute where stated).
const FLOORS: Record<string, string> = {
  'click2call (full round trip)': '≥ 0.35 ×',
  'click2call wait=0 (enqueue)': '≥ 0.55 ×',
  'status (GET /v1/status/{id})': '≥ 0.9 ×',
};

const ms = (value: number) => (value > 0 ? value.toFixed(2) : '');

/** Pure: the markdown tables `npm run bench` prints. */
export function formatReport(report: Report): string {
  // Ratios compare with the mean of the baseline runs (the start and the end of the run).
  const baselines = report.rows.filter((row) => row.scenario.startsWith('baseline'));
  const baseline = baselines.length > 0 ? baselines.reduce((sum, row) => sum + row.rps, 0) / baselines.length : undefined;
  const lines = [
    `Node ${report.node}, ${report.cores} cores, ${report.duration} s per scenario, ${report.connections} connections`,
    '',
    ...(baselines.length > 1 ? [`Ratios (× baseline) compare with the mean of the two baseline runs, ${Math.round(baseline ?? 0)} req/s.`, ''] : []),
    '| scenario | req/s | × baseline | floor | p50 ms | p90 ms | p99 ms | errors | web RSS MB | worker RSS MB |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...report.rows.map((row) => {
      const floor = row.scenario.includes('req/s') && !row.scenario.includes('light') ? 'p99 ≤ 15 ms' : (FLOORS[row.scenario] ?? '');
      const ratio = baseline ? (row.rps / baseline).toFixed(2) : '';
      return `| ${row.scenario} | ${Math.round(row.rps)} | ${ratio} | ${floor} | ${row.p50} | ${row.p90} | ${row.p99} | ${row.errors} | ${row.webRss || ''} | ${row.workerRss || ''} |`;
    }),
    '',
    'CPU time per request, ms (where the two cores go; "load" is the load generator):',
    '',
    '| scenario | web | worker | redis | pbx | load | total |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...report.rows.map((row) => {
      const { web, worker, redis, pbx, load } = row.cpu;
      return `| ${row.scenario} | ${ms(web)} | ${ms(worker)} | ${ms(redis)} | ${ms(pbx)} | ${ms(load)} | ${ms(web + worker + redis + pbx + load)} |`;
    }),
    '',
    'Redis commands per request (commands run inside Lua scripts included):',
    '',
    ...report.rows.filter((row) => row.redisCommands).map((row) => `- ${row.scenario}: ${formatCommands(row.redisCommands ?? {})}`),
    '',
  ];
  if (report.bytesPerDoc !== undefined) {
    lines.push(`Redis memory per stored status document (with its history entry, claim and queue share): ${report.bytesPerDoc} bytes (floor ≤ 2048)`, '');
  }
  if (report.scaling.length > 0) {
    lines.push('| processes | click2call req/s |', '|---|---:|', ...report.scaling.map((s) => `| ${s.setup} | ${Math.round(s.rps)} |`), '');
  }
  return lines.join('\n');
}

function formatCommands(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n >= 0.05).sort((a, b) => b[1] - a[1]);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return `${total.toFixed(1)} in all; ${entries.map(([name, n]) => `${name} ${n.toFixed(1)}`).join(', ')}`;
}

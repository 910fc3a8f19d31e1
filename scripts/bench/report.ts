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
}

export interface Report {
  node: string;
  cores: number;
  duration: number;
  connections: number;
  rows: Row[];
  scaling: { setup: string; rps: number }[];
  bytesPerDoc: number;
}

// The floors of the performance issue, as ratios to the baseline (or absolute where stated).
const FLOORS: Record<string, string> = {
  'click2call (full round trip)': '≥ 0.35 ×',
  'click2call wait=0 (enqueue)': '≥ 0.55 ×',
  'status (GET /v1/status/{id})': '≥ 0.9 ×',
};

/** Pure: the markdown table `npm run bench` prints. */
export function formatReport(report: Report): string {
  const baseline = report.rows[0]?.rps ?? 1;
  const lines = [
    `Node ${report.node}, ${report.cores} cores, ${report.duration} s per scenario, ${report.connections} connections`,
    '',
    '| scenario | req/s | × baseline | floor | p50 ms | p90 ms | p99 ms | errors | web RSS MB | worker RSS MB |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...report.rows.map((row) => {
      const floor = row.scenario.includes('req/s') ? 'p99 ≤ 15 ms' : (FLOORS[row.scenario] ?? '');
      return `| ${row.scenario} | ${Math.round(row.rps)} | ${(row.rps / baseline).toFixed(2)} | ${floor} | ${row.p50} | ${row.p90} | ${row.p99} | ${row.errors} | ${row.webRss || ''} | ${row.workerRss || ''} |`;
    }),
    '',
    `Redis memory per stored status document (with its history entry, claim and queue share): ${report.bytesPerDoc} bytes (floor ≤ 2048)`,
    '',
    '| processes | click2call req/s |',
    '|---|---:|',
    ...report.scaling.map((s) => `| ${s.setup} | ${Math.round(s.rps)} |`),
    '',
  ];
  return lines.join('\n');
}

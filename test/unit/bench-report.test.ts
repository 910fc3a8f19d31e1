import { expect } from 'chai';
import { percentile } from '../../scripts/bench/open-loop.js';
import { formatReport, type Row } from '../../scripts/bench/report.js';

const cpu = { web: 0.5, worker: 0.25, redis: 0.125, pbx: 0.125, load: 0 };
const row = (scenario: string, rps: number): Row => ({ scenario, rps, p50: 1, p90: 2, p99: 3, errors: 0, webRss: 100, workerRss: 90, cpu });

describe('bench report', () => {
  it('when the baseline ran twice, then every ratio compares with their mean and the floors are named', () => {
    const text = formatReport({
      node: 'v20', cores: 2, duration: 10, connections: 50, scaling: [], bytesPerDoc: 1994,
      rows: [row('baseline (bare Express 5)', 3000), row('click2call (full round trip)', 1400), row('baseline again (after the relay scenarios)', 5000)],
    });
    expect(text).to.contain('mean of the two baseline runs, 4000 req/s');
    expect(text).to.contain('| click2call (full round trip) | 1400 | 0.35 | ≥ 0.35 × |');
    expect(text).to.contain('| baseline (bare Express 5) | 3000 | 0.75 |');
    expect(text).to.contain('| click2call (full round trip) | 0.50 | 0.25 | 0.13 | 0.13 |  | 1.00 |');
    expect(text).to.contain('1994 bytes (floor ≤ 2048)');
  });

  it('when no baseline ran, then ratios are left empty rather than invented', () => {
    const text = formatReport({ node: 'v20', cores: 2, duration: 10, connections: 50, scaling: [], rows: [row('status (GET /v1/status/{id})', 2000)] });
    expect(text).to.contain('| status (GET /v1/status/{id}) | 2000 |  | ≥ 0.9 × |');
    expect(text).to.not.contain('Redis memory');
  });
});

describe('open-loop percentiles', () => {
  it('when latencies are sorted, then the nearest-rank percentile is returned, and an empty run gives 0', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).to.equal(50);
    expect(percentile(sorted, 0.99)).to.equal(99);
    expect(percentile(sorted, 1)).to.equal(100);
    expect(percentile([7], 0.99)).to.equal(7);
    expect(percentile([], 0.5)).to.equal(0);
  });
});

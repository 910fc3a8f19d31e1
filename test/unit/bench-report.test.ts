import { expect } from 'chai';
import { percentile } from '../../scripts/bench/open-loop.js';
import { formatReport, type Row, type RowKind } from '../../scripts/bench/report.js';

const cpu = { web: 0.5, worker: 0.25, redis: 0.125, pbx: 0.125, load: 0 };
const row = (scenario: string, rps: number, kind?: RowKind, p99 = 3): Row => ({ scenario, ...(kind ? { kind } : {}), rps, p50: 1, p90: 2, p99, errors: 0, webRss: 100, workerRss: 90, cpu });
const report = (rows: Row[]) => formatReport({ node: 'v24.1.0', loadNode: 'v20.1.0', cores: 2, duration: 10, connections: 50, scaling: [], bytesPerDoc: 1994, rows });

describe('bench report', () => {
  it('when both baselines ran twice, then every closed-loop row has a ratio to the mean of each, and the floors are named', () => {
    const text = report([
      row('baseline (bare Express 5)', 3000, 'express'),
      row('naive relay (full round trip, HTTP PBX)', 1000, 'naive'),
      row('click2call (full round trip, HTTP PBX)', 1200, 'round-trip'),
      row('click2call wait=0 (enqueue, AMI PBX)', 1500),
      row('status (GET /v1/status/{id})', 3600, 'status'),
      row('naive relay again (after the relay scenarios)', 1400, 'naive'),
      row('baseline again (after the relay scenarios)', 5000, 'express'),
    ]);
    expect(text).to.contain('Node v24.1.0 (load generator on v20.1.0)');
    expect(text).to.contain('naive relay (same HTTP PBX double, same run), the mean of its 2 runs: 1200 req/s');
    expect(text).to.contain('bare Express 5, the mean of its 2 runs: 4000 req/s');
    expect(text).to.contain('| scenario | req/s | × naive | × Express | floor |');
    expect(text).to.contain('| click2call (full round trip, HTTP PBX) | 1200 | 1.00 | 0.30 | ≥ 1.0 × naive |');
    expect(text).to.contain('| click2call wait=0 (enqueue, AMI PBX) | 1500 | 1.25 | 0.38 |  |');
    expect(text).to.contain('| status (GET /v1/status/{id}) | 3600 | 3.00 | 0.90 | ≥ 0.9 × Express |');
    expect(text).to.contain('| naive relay (full round trip, HTTP PBX) | 1000 | 0.83 | 0.25 |  |');
    expect(text).to.contain('| click2call (full round trip, HTTP PBX) | 0.50 | 0.25 | 0.13 | 0.13 |  | 1.00 |');
    expect(text).to.contain('1994 bytes (floor ≤ 2048)');
  });

  it('when the machine was read around a run, then its cores\' busy and stolen shares follow the CPU per request; without a reading the cells stay empty', () => {
    const text = report([{ ...row('click2call (full round trip, HTTP PBX)', 1200, 'round-trip'), machine: { busy: 82.4, steal: 1.94 } }, row('naive relay (full round trip, HTTP PBX)', 1000, 'naive')]);
    expect(text).to.contain('| scenario | web | worker | redis | pbx | load | total | cores busy | steal |');
    expect(text).to.contain('| click2call (full round trip, HTTP PBX) | 0.50 | 0.25 | 0.13 | 0.13 |  | 1.00 | 82 % | 1.9 % |');
    expect(text).to.contain('| naive relay (full round trip, HTTP PBX) | 0.50 | 0.25 | 0.13 | 0.13 |  | 1.00 |  |  |');
  });

  it('when the light-load rows ran, then they compare by latency: no ratio, and the relay p99 floor is the naive p99 + 2 ms', () => {
    const text = report([
      row('naive relay (full round trip, HTTP PBX)', 1000, 'naive'),
      row('click2call at 1000 req/s (AMI PBX)', 800, 'fixed', 40),
      row('click2call at 200 req/s (light load, HTTP PBX)', 200, 'light', 9),
      row('naive relay at 200 req/s (light load, HTTP PBX)', 200, 'naive-light', 6.5),
    ]);
    expect(text).to.contain('its one run: 1000 req/s');
    expect(text).to.contain('| click2call at 1000 req/s (AMI PBX) | 800 |  |  | p99 ≤ 10 ms | 1 | 2 | 40 |');
    expect(text).to.contain('| click2call at 200 req/s (light load, HTTP PBX) | 200 |  |  | p99 ≤ 8.5 ms (naive + 2) | 1 | 2 | 9 |');
    expect(text).to.contain('| naive relay at 200 req/s (light load, HTTP PBX) | 200 |  |  |  | 1 | 2 | 6.5 |');
  });

  it('when the cluster scenario ran, then its ratio to one shard and to the click2call row, and each master\'s share of the commands, are printed', () => {
    const text = report([
      row('click2call (full round trip, AMI PBX)', 500, 'round-trip'),
      row('click2call, 1 shard on one Redis (12 accounts, AMI PBX)', 400, 'one-shard'),
      { ...row('click2call, 3 shards on a 3-master cluster (12 accounts, AMI PBX)', 300, 'cluster'), masters: { '12001': 330, '12002': 340, '12003': 330 } },
    ]);
    expect(text).to.contain('Cluster: click2call, 3 shards on a 3-master cluster (12 accounts, AMI PBX): 300 req/s, p50 1 ms, p99 3 ms; 0.75 × click2call, 1 shard on one Redis');
    expect(text).to.contain('; 0.60 × click2call (full round trip, AMI PBX) (500 req/s, p50 1 ms, p99 3 ms).');
    expect(text).to.contain('masters: 12001 33% · 12002 34% · 12003 33% (of 1000 commands');
    expect(report([row('click2call (full round trip, AMI PBX)', 500, 'round-trip')])).to.not.contain('masters:');
  });

  it('when no baseline ran, then ratios are left empty rather than invented', () => {
    const text = formatReport({ node: 'v20', cores: 2, duration: 10, connections: 50, scaling: [], rows: [row('status (GET /v1/status/{id})', 2000, 'status')] });
    expect(text).to.contain('Node v20, 2 cores');
    expect(text).to.contain('| status (GET /v1/status/{id}) | 2000 |  |  | ≥ 0.9 × Express |');
    expect(text).to.not.contain('compares with');
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

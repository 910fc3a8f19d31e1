import { expect } from 'chai';
import { faultLine, settleAndAudit, type FaultReport } from './fault-audit.js';
import { itKeepsThePromises } from './fault-promises.js';
import { when } from './fault-trigger.js';
import { FaultRig } from './fault-rig.js';
import { Load } from './load.js';
import { awaitRecovery, type Recovery } from './recovery.js';
import { countDown, DOWN_ANSWER_BOUND_MS, downFailures, MIN_PROBES_PER_WEB, redisOutage, writeAroundOutage, type DownCounts } from './redis-outage.js';

describe('fault redis-restart: when Redis is killed (-9) under load and restarted with the same AOF (everysec)', function () {
  this.timeout(180_000);
  let rig: FaultRig | undefined;
  let report: FaultReport | undefined;
  let outage: DownCounts | undefined;
  let failures = '';
  let recovery: Recovery | undefined;

  before(async function () {
    rig = await FaultRig.start({ name: 'redis-restart', webs: 1, workers: 1 });
    rig.pbx.behave({ kind: 'answer', minDelayMs: 100, maxDelayMs: 400 });
    const load = new Load({ bases: rig.bases, apiKey: rig.apiKey, pbx: 'other', count: 400, durationMs: 6000, concurrency: 100, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_550_200_000 });
    const running = load.run();
    await when('80 answers', () => load.answered() >= 80, load);
    const times = await redisOutage(rig, load, 30);
    const sent = await running;
    recovery = await awaitRecovery(rig, times.restartedAt);
    outage = countDown(sent, times);
    failures = downFailures(sent, times);
    writeAroundOutage(sent, times, rig.logDir);
    report = await settleAndAudit({ apiKey: rig.apiKey, sent: [...sent, ...times.probes, ...recovery.probes], dialCounts: () => rig!.httpDialCounts(), jobState: (id) => rig!.jobState(id), claimHolder: (id) => rig!.claimHolder(id), settleTimeoutMs: 90_000 });
    const extra = { ...outage, down_for_ms: times.restartedAt - times.killedAt, recovered: recovery.recovered, recovery_ms: recovery.recovery_ms, logs: rig.logDir };
    console.log(faultLine('redis-restart', report, extra));
  });

  after(async () => {
    await rig?.stop();
  });

  it(`then while Redis is down the API answers service_unavailable within ${DOWN_ANSWER_BOUND_MS} ms`, function () {
    if (!outage) this.skip();
    expect(outage.down_requests, 'no request of the load met the outage').to.be.greaterThan(0);
    expect(outage.probes_min_per_web, 'probes that met the outage, at the least probed web process').to.be.at.least(MIN_PROBES_PER_WEB);
    const broken = { down_other: outage.down_other, probe_other: outage.probe_other, probe_slow: outage.probe_slow };
    expect(broken, failures).to.deep.equal({ down_other: 0, probe_other: 0, probe_slow: 0 });
  });

  it('then web and worker recover by themselves', function () {
    if (!recovery) this.skip();
    expect(recovery.recovered, `no call accepted ${recovery.recovery_ms} ms after the restart`).to.equal(true);
  });

  itKeepsThePromises(() => report);
});

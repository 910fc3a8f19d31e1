import { expect } from 'chai';
import { faultLine, settleAndAudit, type FaultReport } from './fault-audit.js';
import { itKeepsThePromises } from './fault-promises.js';
import { when } from './fault-trigger.js';
import { FaultRig } from './fault-rig.js';
import { Load } from './load.js';
import { awaitRecovery, type Recovery } from './recovery.js';
import { statusScriptReplies } from './redis-cut-proxy.js';
import { countDown, DOWN_ANSWER_BOUND_MS, downFailures, MIN_PROBES_PER_WEB, redisOutage, writeAroundOutage, type DownCounts } from './redis-outage.js';

describe('fault two-by-two: with 2 web and 2 worker processes, when replies are lost, a worker is SIGKILLed and Redis restarts', function () {
  this.timeout(240_000);
  let rig: FaultRig | undefined;
  let report: FaultReport | undefined;
  let down: DownCounts | undefined;
  let failures = '';
  let recovery: Recovery | undefined;

  before(async function () {
    rig = await FaultRig.start({ name: 'two-by-two', webs: 2, workers: 2, viaProxy: true });
    const proxy = rig.proxy as NonNullable<FaultRig['proxy']>;
    rig.pbx.behave({ kind: 'answer', minDelayMs: 500, maxDelayMs: 1500 });
    const load = new Load({ bases: rig.bases, apiKey: rig.apiKey, pbx: 'other', count: 400, durationMs: 10_000, concurrency: 150, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_550_600_000 });
    const running = load.run();

    // 1. Lost replies of the relay's scripts, on every process's connections.
    await when('40 answers', () => load.answered() >= 40, load);
    proxy.cutReplies(statusScriptReplies(0.04, 25));
    // 2. One worker dies with calls at the PBX; its replacement starts (and may meet the outage).
    await when('15 calls at the PBX', () => rig!.pbx.inFlight() >= 15, load, 20_000);
    await rig.workers[0]?.kill('SIGKILL');
    const replacement = rig.startWorker();
    // 3. Redis dies and comes back (through the proxy, which then connects to the new server).
    await when('160 answers', () => load.answered() >= 160, load, 20_000);
    proxy.stopCutting();
    const outage = await redisOutage(rig, load, 30);
    await replacement;
    const sent = await running;
    recovery = await awaitRecovery(rig, outage.restartedAt);
    down = countDown(sent, outage);
    failures = downFailures(sent, outage);
    writeAroundOutage(sent, outage, rig.logDir);
    report = await settleAndAudit({ apiKey: rig.apiKey, sent: [...sent, ...outage.probes, ...recovery.probes], dialCounts: () => rig!.httpDialCounts(), jobState: (id) => rig!.jobState(id), claimHolder: (id) => rig!.claimHolder(id), settleTimeoutMs: 100_000 });
    const extra = { ...down, script_reply_cuts: proxy.cuts.length, recovered: recovery.recovered, recovery_ms: recovery.recovery_ms, logs: rig.logDir };
    console.log(faultLine('two-by-two', report, extra));
  });

  after(async () => {
    await rig?.stop();
  });

  it(`then while Redis is down both web processes answer service_unavailable within ${DOWN_ANSWER_BOUND_MS} ms`, function () {
    if (!down) this.skip();
    expect(down.down_requests, 'no request of the load met the outage').to.be.greaterThan(0);
    expect(down.probes_min_per_web, 'probes that met the outage, at the least probed web process').to.be.at.least(MIN_PROBES_PER_WEB);
    const broken = { down_other: down.down_other, probe_other: down.probe_other, probe_slow: down.probe_slow };
    expect(broken, failures).to.deep.equal({ down_other: 0, probe_other: 0, probe_slow: 0 });
  });

  it('then every web process gets calls through to the PBX again by itself', function () {
    if (!recovery) this.skip();
    expect(recovery.recovered, `not every web process had a call accepted ${recovery.recovery_ms} ms after the restart`).to.equal(true);
  });

  itKeepsThePromises(() => report);
});

import { expect } from 'chai';
import { faultLine, type FaultReport } from '../faults/fault-audit.js';
import { itKeepsThePromises, itRecordsCallsLostWithTheWorker } from '../faults/fault-promises.js';
import { eventually } from '../support/eventually.js';
import { AccountLoads, auditAccounts } from './account-loads.js';
import { ClusterRig } from './cluster-rig.js';

/** The fault suite's worker-sigkill case (test/faults/worker-sigkill.test.ts) on a 3-master cluster, with calls of every shard in flight. */
describe('fault cluster-worker-sigkill: when a worker is SIGKILLed on a 3-master cluster while calls of every shard are with the PBX', function () {
  this.timeout(180_000);
  let rig: ClusterRig | undefined;
  let report: FaultReport | undefined;
  let inFlightAtKill: string[] = [];

  before(async () => {
    rig = await ClusterRig.start({ name: 'worker-sigkill', prefix: 'c2c-sigkill', webs: 1, workers: 1, accounts: 6, shards: 3, evenShards: true });
    const { pbx } = rig;
    // The PBX takes its time, so that many call requests are with it when the worker dies.
    pbx.behave({ kind: 'answer', minDelayMs: 800, maxDelayMs: 1500 });
    const loads = new AccountLoads(rig, { perAccount: 50, durationMs: 3000, concurrency: 180, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_558_000_000 });
    const running = loads.run();
    await eventually(() => pbx.inFlight() >= 40, { timeoutMs: 30_000, intervalMs: 10 });
    inFlightAtKill = [...pbx.ids()];
    await rig.workers[0]?.kill('SIGKILL');
    await rig.startWorker();
    await running;
    report = await auditAccounts(rig, loads.sent(), 90_000);
    const shardsAtKill = new Set(inFlightAtKill.map((id) => rig!.shards.ofRequest(id)));
    console.log(faultLine('cluster-worker-sigkill', report, { at_pbx_when_killed: inFlightAtKill.length, shards_at_pbx: shardsAtKill.size, logs: rig.logDir }));
  });

  after(async () => {
    await rig?.stop();
  });

  it('then calls of every shard were with the PBX when the worker died', function () {
    if (!rig) this.skip();
    const current = rig;
    expect(new Set(inFlightAtKill.map((id) => current.shards.ofRequest(id))).size).to.equal(3);
  });

  itKeepsThePromises(() => report);

  itRecordsCallsLostWithTheWorker(() => report, () => inFlightAtKill);
});

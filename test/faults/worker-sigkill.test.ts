import { faultLine, settleAndAudit, type FaultReport } from './fault-audit.js';
import { itKeepsThePromises, itRecordsCallsLostWithTheWorker } from './fault-promises.js';
import { when } from './fault-trigger.js';
import { FaultRig } from './fault-rig.js';
import { Load } from './load.js';

describe('fault worker-sigkill: when the worker is SIGKILLed while calls are in flight and a new one starts', function () {
  this.timeout(180_000);
  let rig: FaultRig | undefined;
  let report: FaultReport | undefined;
  let inFlightAtKill: string[] = [];

  before(async function () {
    rig = await FaultRig.start({ name: 'worker-sigkill', webs: 1, workers: 1 });
    const { pbx } = rig;
    // The PBX takes its time, so that many call requests are with it when the worker dies.
    pbx.behave({ kind: 'answer', minDelayMs: 800, maxDelayMs: 1500 });
    const load = new Load({ bases: rig.bases, apiKey: rig.apiKey, pbx: 'other', count: 300, durationMs: 3000, concurrency: 200, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_550_100_000 });
    const running = load.run();
    await when('40 calls at the PBX', () => pbx.inFlight() >= 40, load);
    const before = new Set(rig.pbx.ids());
    await rig.workers[0]?.kill('SIGKILL');
    inFlightAtKill = [...before];
    await rig.startWorker();
    const sent = await running;
    report = await settleAndAudit({ apiKey: rig.apiKey, sent, dialCounts: () => rig!.httpDialCounts(), jobState: (id) => rig!.jobState(id), claimHolder: (id) => rig!.claimHolder(id), settleTimeoutMs: 90_000 });
    // The calls the PBX had received when the worker died: their answers were lost with it.
    const unanswered = inFlightAtKill.filter((id) => report!.docs.get(id)?.state !== 'accepted');
    console.log(faultLine('worker-sigkill', report, { killed_with_calls_at_pbx: unanswered.length, logs: rig.logDir }));
  });

  after(async () => {
    await rig?.stop();
  });

  itKeepsThePromises(() => report);

  itRecordsCallsLostWithTheWorker(() => report, () => inFlightAtKill);
});

import { eventually } from '../support/eventually.js';
import { faultLine, settleAndAudit, type FaultReport } from './fault-audit.js';
import { itKeepsThePromises } from './fault-promises.js';
import { when } from './fault-trigger.js';
import { FaultRig } from './fault-rig.js';
import { Load } from './load.js';
import { statusScriptReplies } from './redis-cut-proxy.js';

describe('fault lost-replies: when Redis runs a command but the relay never gets its reply (ioredis re-sends it)', function () {
  this.timeout(180_000);
  let rig: FaultRig | undefined;
  let report: FaultReport | undefined;

  before(async function () {
    rig = await FaultRig.start({ name: 'lost-replies', webs: 1, workers: 1, viaProxy: true });
    const proxy = rig.proxy as NonNullable<FaultRig['proxy']>;
    rig.pbx.behave({ kind: 'answer', minDelayMs: 100, maxDelayMs: 400 });
    const load = new Load({ bases: rig.bases, apiKey: rig.apiKey, pbx: 'other', count: 300, durationMs: 5000, concurrency: 100, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_550_300_000 });
    const running = load.run();

    // First the replies of the relay's scripts, chosen at random; then whole connections, cut
    // while some command on them awaits its reply, paced by the load's progress.
    await when('30 answers', () => load.answered() >= 30, load);
    proxy.cutReplies(statusScriptReplies(0.05, 40));
    await when('150 answers', () => load.answered() >= 150, load, 20_000);
    proxy.stopCutting();
    const scriptCuts = proxy.cuts.length;
    let randomCuts = 0;
    for (let mark = 160; mark <= 280; mark += 12) {
      const reached = await eventually(() => load.answered() >= mark, { timeoutMs: 10_000 }).then(() => true, () => false);
      if (!reached) break;
      if (proxy.cutSomewhereInFlight()) randomCuts += 1;
    }
    const sent = await running;
    report = await settleAndAudit({ apiKey: rig.apiKey, sent, dialCounts: () => rig!.httpDialCounts(), jobState: (id) => rig!.jobState(id), claimHolder: (id) => rig!.claimHolder(id), settleTimeoutMs: 90_000 });
    const extra = { script_reply_cuts: scriptCuts, random_cuts: randomCuts, requests_with_cut_script: new Set(proxy.cutRequestIds()).size, logs: rig.logDir };
    console.log(faultLine('lost-replies', report, extra));
  });

  after(async () => {
    await rig?.stop();
  });

  itKeepsThePromises(() => report);
});

import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import { faultLine, settleAndAudit, type FaultReport } from './fault-audit.js';
import { itKeepsThePromises } from './fault-promises.js';
import { when } from './fault-trigger.js';
import { FaultRig } from './fault-rig.js';
import { Load, type SentRequest } from './load.js';
import { awaitRecovery, type Recovery } from './recovery.js';

/** Request ids whose document is not `dispatching` with a `response.error` (outcome unknown), described. */
function notOutcomeUnknown(report: FaultReport, ids: Iterable<string>): string[] {
  return [...ids].filter((id) => {
    const doc = report.docs.get(id);
    return doc !== undefined && !(doc.state === 'dispatching' && doc.response?.error);
  }).map((id) => report.describe(id));
}

/** A first call through each PBX, so the AMI login and the dial_as lookup are done before the fault. */
async function warmUp(rig: FaultRig, kinds: ('other' | 'asterisk')[]): Promise<SentRequest[]> {
  const probes: SentRequest[] = [];
  for (const pbx of kinds) {
    const warm = await awaitRecovery(rig, Date.now(), pbx, 15_000);
    probes.push(...warm.probes);
    if (!warm.recovered) throw new Error(`no ${pbx} call got through before the fault; the last answers: ${JSON.stringify(warm.probes.slice(-2).map((p) => p.answer ?? p.transportError))}`);
  }
  return probes;
}

describe('fault pbx-ami-drop: when the Asterisk PBX goes silent with calls in flight, then drops the connection', function () {
  this.timeout(180_000);
  let rig: FaultRig | undefined;
  let report: FaultReport | undefined;
  let recovery: Recovery | undefined;
  let unansweredAtDrop: string[] = [];
  let loginsBefore = 0;

  before(async function () {
    rig = await FaultRig.start({ name: 'pbx-ami-drop', webs: 1, workers: 1, asterisk: true });
    const ami = rig.ami as NonNullable<FaultRig['ami']>;
    const warm = await warmUp(rig, ['asterisk']);
    loginsBefore = ami.logins();
    const load = new Load({ bases: rig.bases, apiKey: rig.apiKey, pbx: 'asterisk', count: 150, durationMs: 2500, concurrency: 100, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_550_400_000 });
    const running = load.run();
    await when('40 answers', () => load.answered() >= 40, load);
    // Silent first, so that Originates are on the wire without their answer when the connection drops.
    const beforeSilence = new Set(rig.amiDialCounts().keys());
    ami.stopAnswering();
    await when('15 Originates at the silent PBX', () => rig!.amiDialCounts().size - beforeSilence.size >= 15, load, 10_000);
    ami.dropConnections();
    ami.resumeAnswering();
    const droppedAt = Date.now();
    unansweredAtDrop = [...rig.amiDialCounts().keys()].filter((id) => !beforeSilence.has(id));
    const sent = await running;
    recovery = await awaitRecovery(rig, droppedAt, 'asterisk');
    report = await settleAndAudit({ apiKey: rig.apiKey, sent: [...warm, ...sent, ...recovery.probes], dialCounts: () => rig!.amiDialCounts(), jobState: (id) => rig!.jobState(id), claimHolder: (id) => rig!.claimHolder(id), settleTimeoutMs: 60_000 });
    const extra = { unanswered_at_drop: unansweredAtDrop.length, logins: ami.logins() - loginsBefore, recovered: recovery.recovered, recovery_ms: recovery.recovery_ms, logs: rig.logDir };
    console.log(faultLine('pbx-ami-drop', report, extra));
  });

  after(async () => {
    await rig?.stop();
  });

  it('then the driver reconnects by itself and calls are accepted again', function () {
    if (!recovery || !rig?.ami) this.skip();
    expect(rig.ami.logins() - loginsBefore, 'logins after the drop').to.be.at.least(1);
    expect(recovery.recovered, `no call accepted ${recovery.recovery_ms} ms after the drop`).to.equal(true);
  });

  it('then each Originate the PBX had not answered when it dropped is dispatching with response.error', function () {
    if (!report) this.skip();
    const dishonest = notOutcomeUnknown(report, unansweredAtDrop);
    expect(dishonest.length, dishonest.slice(0, 3).join('\n')).to.equal(0);
  });

  itKeepsThePromises(() => report);
});

describe('fault pbx-stops-answering: when the PBX takes call requests and never answers (AMI and HTTP)', function () {
  this.timeout(180_000);
  let rig: FaultRig | undefined;
  let report: FaultReport | undefined;
  let recovery: Recovery[] = [];
  let silentIds: string[] = [];

  before(async function () {
    // The `other` connection gives up after 2 s; the AMI driver after its 10 s action timeout.
    rig = await FaultRig.start({ name: 'pbx-stops-answering', webs: 1, workers: 1, asterisk: true, otherTimeoutMs: 2000 });
    const ami = rig.ami as NonNullable<FaultRig['ami']>;
    const warm = await warmUp(rig, ['asterisk', 'other']);
    const before = new Set(rig.dialCounts().keys());
    ami.stopAnswering();
    rig.pbx.behave({ kind: 'hang' });
    const kinds = ['other', 'asterisk'] as const;
    const loads = kinds.map(
      (pbx, k) => new Load({ bases: rig!.bases, apiKey: rig!.apiKey, pbx, count: 50, durationMs: 2000, concurrency: 60, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_550_500_000 + k * 100_000 }),
    );
    const sent = (await Promise.all(loads.map((load) => load.run()))).flat();
    // Every call request the silent PBXes took must have run into its time bound before they speak again.
    await eventually(
      async () => {
        const docs = await Promise.all(sent.filter((r) => r.answer?.status_url).map(async (r) => (await fetch(r.answer?.status_url as string)).json() as Promise<{ c2c_status: { state: string; response?: { error?: unknown } } }>));
        return docs.every(({ c2c_status: doc }) => doc.state !== 'queued' && (doc.state !== 'dispatching' || doc.response?.error !== undefined));
      },
      { timeoutMs: 40_000, intervalMs: 500 },
    ).catch(() => undefined);
    silentIds = [...rig.dialCounts().keys()].filter((id) => !before.has(id));
    ami.resumeAnswering();
    rig.pbx.behave({ kind: 'answer', minDelayMs: 0, maxDelayMs: 50 });
    const resumedAt = Date.now();
    recovery = [await awaitRecovery(rig, resumedAt, 'other'), await awaitRecovery(rig, resumedAt, 'asterisk')];
    report = await settleAndAudit({ apiKey: rig.apiKey, sent: [...warm, ...sent, ...recovery.flatMap((r) => r.probes)], dialCounts: () => rig!.dialCounts(), jobState: (id) => rig!.jobState(id), claimHolder: (id) => rig!.claimHolder(id), settleTimeoutMs: 60_000 });
    const extra = { received_by_silent_pbx: silentIds.length, recovered: recovery.every((r) => r.recovered), logs: rig.logDir };
    console.log(faultLine('pbx-stops-answering', report, extra));
  });

  after(async () => {
    await rig?.stop();
  });

  it('then every call request the silent PBX took is dispatching with response.error (pbx_timeout)', function () {
    if (!report) this.skip();
    expect(silentIds.length, 'call requests the silent PBXes received').to.be.greaterThan(0);
    const dishonest = notOutcomeUnknown(report, silentIds);
    expect(dishonest.length, dishonest.slice(0, 3).join('\n')).to.equal(0);
  });

  it('then both drivers place calls again once the PBX answers', function () {
    if (recovery.length === 0) this.skip();
    expect(recovery.map((r) => r.recovered)).to.deep.equal([true, true]);
  });

  itKeepsThePromises(() => report);
});

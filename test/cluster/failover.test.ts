import { expect } from 'chai';
import { ANSWER_WITHIN_MS } from '../../api/calls/call-placement.js';
import { faultLine, type FaultReport } from '../faults/fault-audit.js';
import { itKeepsThePromises } from '../faults/fault-promises.js';
import { DownProbes } from '../faults/down-probes.js';
import { outcomeOf, type Click2CallAnswer, type SentRequest } from '../faults/load.js';
import { countDown, DOWN_ANSWER_BOUND_MS, downFailures, MIN_PROBES_PER_WEB, writeAroundOutage, type DownCounts, type Outage } from '../faults/redis-outage.js';
import { eventually } from '../support/eventually.js';
import { AccountLoads, auditAccounts } from './account-loads.js';
import { ClusterRig, type ClusterAccount } from './cluster-rig.js';

const VICTIM_SHARD = 0;

interface Failover {
  killed: number;
  replica: number;
  killedAt: number;
  /** When the replica first said ROLE master. */
  promotedAt: number | undefined;
  /** When three masters covered every slot and every live node said cluster_state:ok. */
  healedAt: number;
}

/** The other shards' accounts while the slot had no master: any of these answers, each bounded. */
interface OthersCounts {
  others_probes: number;
  others_answers: Record<string, number>;
  others_slow: number;
  /** The slowest of them, from its write (not asserted: each is held to its own bound by `slow`). */
  others_max_ms: number;
}

const OTHERS_MAY_ANSWER = new Set(['success', 'service_unavailable', 'pbx_timeout']);
let probeNumber = 5_557_900_000;

/** `service_unavailable` and answers to `wait=0` within the bound; an answer that waited for a verdict within its `wait` more. */
function slow(request: SentRequest): boolean {
  const bound = outcomeOf(request) === 'service_unavailable' || request.wait === 0 ? DOWN_ANSWER_BOUND_MS : request.wait * 1000 + DOWN_ANSWER_BOUND_MS;
  return (request.answeredAt ?? Date.now()) - request.sentAt > bound;
}

async function probe(base: string, account: ClusterAccount, probes: { account: ClusterAccount; request: SentRequest }[]): Promise<boolean> {
  probeNumber += 1;
  const sent: SentRequest = { index: -1 - probes.length, base, wait: 5, sentAt: Date.now() };
  probes.push({ account, request: sent });
  const params = new URLSearchParams({ dial_first: '1001', dial_second: String(probeNumber), pbx: 'other', wait: '5' });
  try {
    const response = await fetch(`${base}/v1/click2call?${params}`, { headers: { 'x-api-key': account.apiKey }, signal: AbortSignal.timeout(10_000) });
    sent.answer = ((await response.json()) as { response: Click2CallAnswer }).response;
  } catch (err) {
    sent.transportError = String(err);
  }
  sent.answeredAt = Date.now();
  return sent.answer?.status === 'success' && sent.answer.state === 'accepted';
}

describe('fault cluster-failover: when the master of a shard is killed (-9) under load and its replica is promoted', function () {
  this.timeout(240_000);
  let rig: ClusterRig | undefined;
  let failover: Failover | undefined;
  let down: DownCounts | undefined;
  let others: OthersCounts | undefined;
  let failures = '';
  let recovery: { recovered: boolean; recovery_ms: number } | undefined;
  let report: FaultReport | undefined;

  before(async function () {
    rig = await ClusterRig.start({ name: 'failover', prefix: 'c2c-failover', webs: 2, workers: 2, accounts: 30, shards: 3 });
    rig.pbx.behave({ kind: 'answer', minDelayMs: 100, maxDelayMs: 400 });
    const victim = (await rig.shardPlacement()).find((p) => p.shard === VICTIM_SHARD)?.master;
    const nodes = await rig.nodes.topology();
    const victimId = nodes.find((node) => node.port === victim)?.id;
    const replica = nodes.find((node) => node.masterId !== undefined && node.masterId === victimId)?.port;
    if (victim === undefined || replica === undefined) throw new Error(`no master with a replica for shard ${VICTIM_SHARD}: ${JSON.stringify(nodes)}`);

    const loads = new AccountLoads(rig, { perAccount: 20, durationMs: 12_000, concurrency: 150, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_553_000_000 });
    const running = loads.run();
    // An account's shard is the one its request ids name.
    const shardOf = new Map<ClusterAccount, number>();
    const learnShards = () => {
      for (const { account, request } of loads.sent()) {
        const shard = request.answer?.status === 'success' ? rig!.shards.ofRequest(request.answer.request_id) : undefined;
        if (shard !== undefined) shardOf.set(account, shard);
      }
    };
    await eventually(
      () => {
        learnShards();
        return loads.answered() >= 150 && [...shardOf.values()].includes(VICTIM_SHARD) && [...shardOf.values()].some((shard) => shard !== VICTIM_SHARD);
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    const victimAccount = [...shardOf].find(([, shard]) => shard === VICTIM_SHARD)?.[0] as ClusterAccount;
    const otherAccount = [...shardOf].find(([, shard]) => shard !== VICTIM_SHARD)?.[0] as ClusterAccount;
    // Quiet clients timing the answers (the fault suite's probes): one on the killed shard, one on another.
    const victimProbes = await DownProbes.open({ bases: rig.bases, apiKey: victimAccount.apiKey, pbx: 'other', everyMs: 25, numberBase: 5_557_100_000 });
    const otherProbes = await DownProbes.open({ bases: rig.bases, apiKey: otherAccount.apiKey, pbx: 'other', everyMs: 50, numberBase: 5_557_200_000 });

    const killedAt = Date.now();
    await rig.nodes.kill(victim);
    victimProbes.start();
    otherProbes.start();
    let promotedAt: number | undefined;
    await eventually(
      async () => {
        if (promotedAt === undefined && (await rig!.nodes.role(replica)) === 'master') promotedAt = Date.now();
        return promotedAt !== undefined && rig!.nodes.healthy();
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    ).catch(() => undefined);
    const healedAt = Date.now();
    const [victimProbed, otherProbed] = await Promise.all([victimProbes.stop(), otherProbes.stop()]);
    failover = { killed: victim, replica, killedAt, promotedAt, healedAt };
    await running;
    learnShards();

    const sent = loads.sent();
    // While the slot had no master: until the replica said master (or, had it never, until the cluster healed).
    // Unlike a single Redis, a Cluster client keeps a command for a node whose connection is still
    // opening (the new master's), so a request that arrived up to the API's whole answer budget
    // before the replica took over may rightly be admitted once it has: that budget, plus the 500 ms
    // of scheduling allowed for a single Redis.
    const outage: Outage = { killedAt, restartedAt: promotedAt ?? healedAt, probes: victimProbed, takenUpAfterMs: ANSWER_WITHIN_MS + 500 };
    const onVictim = sent.filter(({ account }) => shardOf.get(account) === VICTIM_SHARD).map(({ request }) => request);
    down = countDown(onVictim, outage);
    failures = downFailures(onVictim, outage);
    writeAroundOutage(onVictim, outage, rig.logDir);
    const othersMet = otherProbed.filter((r) => r.sentAt > killedAt + 100 && r.sentAt < outage.restartedAt - 100);
    others = { others_probes: othersMet.length, others_answers: {}, others_slow: othersMet.filter(slow).length, others_max_ms: Math.max(0, ...othersMet.map((r) => (r.answeredAt ?? Date.now()) - r.sentAt)) };
    for (const r of othersMet) others.others_answers[outcomeOf(r)] = (others.others_answers[outcomeOf(r)] ?? 0) + 1;

    // Every web gets a call of the killed shard accepted again, by itself.
    const recoveryProbes: { account: ClusterAccount; request: SentRequest }[] = [];
    try {
      for (const base of rig.bases) await eventually(() => probe(base, victimAccount, recoveryProbes), { timeoutMs: 30_000, intervalMs: 250 });
      recovery = { recovered: true, recovery_ms: Date.now() - healedAt };
    } catch {
      recovery = { recovered: false, recovery_ms: Date.now() - healedAt };
    }

    const probed = [...victimProbed.map((request) => ({ account: victimAccount, request })), ...otherProbed.map((request) => ({ account: otherAccount, request }))];
    report = await auditAccounts(rig, [...sent, ...probed, ...recoveryProbes], 120_000);

    // The killed node comes back from its AOF and rejoins, as a replica of the promoted one.
    await rig.nodes.restart(victim);
    const rejoined = await eventually(async () => ((await rig!.nodes.role(victim)) === 'slave' ? 'replica' : false), { timeoutMs: 20_000, intervalMs: 200 }).catch(() => 'not yet');
    await rig.nodes.waitHealthy();
    console.log(
      faultLine('cluster-failover', report, {
        killed: `m${victim}`,
        promoted: promotedAt === undefined ? 'none' : `m${replica}`,
        promoted_after_ms: promotedAt === undefined ? null : promotedAt - killedAt,
        healed_after_ms: healedAt - killedAt,
        ...down,
        ...others,
        recovered: recovery.recovered,
        recovery_ms: recovery.recovery_ms,
        rejoined,
        logs: rig.logDir,
      }),
    );
  });

  after(async () => {
    await rig?.stop();
  });

  it("then the killed master's replica is promoted and the cluster heals by itself", function () {
    if (!failover) this.skip();
    expect(failover.promotedAt, `replica m${failover.replica} never said ROLE master`).to.not.equal(undefined);
  });

  it(`then while the slot has no master the API answers its accounts service_unavailable within ${DOWN_ANSWER_BOUND_MS} ms`, function () {
    if (!down) this.skip();
    expect(down.down_requests, 'no request of the load on the killed shard met the failover').to.be.greaterThan(0);
    expect(down.probes_min_per_web, 'probes that met the failover, at the least probed web process').to.be.at.least(MIN_PROBES_PER_WEB);
    expect({ down_other: down.down_other, probe_other: down.probe_other, probe_slow: down.probe_slow }, failures).to.deep.equal({ down_other: 0, probe_other: 0, probe_slow: 0 });
  });

  it('then meanwhile the other shards answer success, service_unavailable or (a wait that ran out) pbx_timeout, as promptly', function () {
    if (!others) this.skip();
    expect(others.others_probes).to.be.greaterThan(0);
    const wrong = Object.keys(others.others_answers).filter((outcome) => !OTHERS_MAY_ANSWER.has(outcome));
    expect({ wrong, slow: others.others_slow }, JSON.stringify(others.others_answers)).to.deep.equal({ wrong: [], slow: 0 });
  });

  it('then web and worker recover by themselves: every web gets a call of the killed shard accepted', function () {
    if (!recovery) this.skip();
    expect(recovery.recovered, `no call accepted ${recovery.recovery_ms} ms after the cluster healed`).to.equal(true);
  });

  itKeepsThePromises(() => report);
});

import { expect } from 'chai';
import type { Click2CallAnswer } from '../faults/load.js';
import { eventually } from '../support/eventually.js';
import { ClusterRig, type ClusterAccount } from './cluster-rig.js';
import { clusterLine } from './cluster-report.js';

/** A revoked key must stop working on every API instance within this (SPEC §4, across nodes here). */
const REVOKE_BOUND_MS = 1000;

interface Verdict {
  web: number;
  shard: number | undefined;
  state: string;
  status: string;
  ms: number;
  /** The master holding the call's status document has no subscriber of the relay's channels: the verdict crossed nodes. */
  crossed: boolean;
}

interface LongPoll {
  changed: boolean;
  ms: number;
  from: string;
  to: string;
}

let numbers = 5_552_000_000;

async function call(rig: ClusterRig, web: number, account: ClusterAccount, wait: number): Promise<{ answer: Click2CallAnswer; ms: number }> {
  numbers += 1;
  const params = new URLSearchParams({ dial_first: '1001', dial_second: String(numbers), pbx: 'other', wait: String(wait) });
  const started = Date.now();
  const response = await fetch(`${rig.bases[web]}/v1/click2call?${params}`, { headers: { 'x-api-key': account.apiKey }, signal: AbortSignal.timeout((wait + 10) * 1000) });
  return { answer: ((await response.json()) as { response: Click2CallAnswer }).response, ms: Date.now() - started };
}

/** Where the relay's processes hold subscriptions: node port → channels (classic and sharded) with subscribers. */
async function subscriptions(rig: ClusterRig): Promise<Map<number, string[]>> {
  const where = new Map<number, string[]>();
  for (const node of await rig.nodes.topology()) {
    const client = rig.nodes.node(node.port);
    if (client.status === 'wait') await client.connect();
    const classic = (await client.call('PUBSUB', 'CHANNELS', `${rig.prefix}*`)) as string[];
    // Sharded pub/sub (Redis 7) has channels of its own; an older Redis has none.
    const sharded = ((await client.call('PUBSUB', 'SHARDCHANNELS', `${rig.prefix}*`).catch(() => [])) as string[]);
    if (classic.length + sharded.length > 0) where.set(node.port, [...classic, ...sharded.map((channel) => `s:${channel}`)]);
  }
  return where;
}

describe('cluster across-nodes: when the API and the worker reach different nodes of the cluster', function () {
  this.timeout(120_000);
  let rig: ClusterRig | undefined;
  const verdicts: Verdict[] = [];
  const polls: LongPoll[] = [];
  let unchanged: { status: number; ms: number } | undefined;
  const revocations: { web: number; ms: number }[] = [];
  const refusedAfter: string[] = [];

  before(async function () {
    rig = await ClusterRig.start({ name: 'across-nodes', prefix: 'c2c-nodes', webs: 2, workers: 1, accounts: 12, shards: 3 });
    rig.pbx.behave({ kind: 'answer', minDelayMs: 100, maxDelayMs: 300 });
    const subs = await subscriptions(rig);
    const located = async (id: string) => [...(await rig!.statusDocumentsByMaster())].find(([, ids]) => ids.has(id))?.[0];

    // `wait`: the verdict the worker writes on the call's shard master reaches the web's subscriber.
    for (const account of rig.accounts) {
      for (const web of [0, 1]) {
        const { answer, ms } = await call(rig, web, account, 5);
        const master = await located(answer.request_id);
        verdicts.push({ web, shard: rig.shards.ofRequest(answer.request_id), state: answer.state, status: answer.status, ms, crossed: master !== undefined && !subs.has(master) });
      }
    }

    // Long polls: the PBX takes 1.5 s, so the document changes while the poll waits.
    rig.pbx.behave({ kind: 'answer', minDelayMs: 1500, maxDelayMs: 1500 });
    for (const account of rig.accounts.slice(0, 3)) {
      const { answer } = await call(rig, 0, account, 0);
      const first = await fetch(answer.status_url);
      const etag = first.headers.get('etag') ?? '';
      const from = ((await first.json()) as { c2c_status: { state: string } }).c2c_status.state;
      const started = Date.now();
      const polled = await fetch(`${answer.status_url}&wait=10`.replace(rig.bases[0] as string, rig.bases[1] as string), { headers: { 'if-none-match': etag }, signal: AbortSignal.timeout(15_000) });
      const ms = Date.now() - started;
      const to = polled.status === 200 ? ((await polled.json()) as { c2c_status: { state: string } }).c2c_status.state : `HTTP ${polled.status}`;
      polls.push({ changed: polled.status === 200 && polled.headers.get('etag') !== etag, ms, from, to });
    }
    // A document that no longer changes: the long poll ends at its bound with 304.
    const { answer: settledAnswer } = await call(rig, 0, rig.accounts[0] as ClusterAccount, 5);
    const current = await fetch(settledAnswer.status_url);
    const started = Date.now();
    const still = await fetch(`${settledAnswer.status_url}&wait=2`, { headers: { 'if-none-match': current.headers.get('etag') ?? '' }, signal: AbortSignal.timeout(10_000) });
    unchanged = { status: still.status, ms: Date.now() - started };

    // Revocation: each key warm in both webs' caches, revoked through one web, refused by both.
    rig.pbx.behave({ kind: 'answer', minDelayMs: 0, maxDelayMs: 0 });
    for (const [n, account] of rig.accounts.slice(3, 6).entries()) {
      const { answer } = await call(rig, 0, account, 5);
      const statusBy = (web: number) => fetch(`${rig!.bases[web]}/v1/status/${answer.request_id}`, { headers: { 'x-api-key': account.apiKey }, signal: AbortSignal.timeout(5000) }).then((r) => r.status);
      await eventually(async () => (await statusBy(0)) === 200 && (await statusBy(1)) === 200, { timeoutMs: 5000 });
      await rig.admin('DELETE', `/admin/v1/accounts/${account.id}/keys/${account.keyId}`, undefined, rig.bases[n % 2]);
      const revokedAt = Date.now();
      await Promise.all(
        [0, 1].map(async (web) => {
          await eventually(async () => (await statusBy(web)) === 404, { timeoutMs: 10_000, intervalMs: 25 }).catch(() => undefined);
          revocations.push({ web, ms: Date.now() - revokedAt });
        }),
      );
      for (const web of [0, 1]) {
        const { answer: refused } = await call(rig, web, account, 0);
        if (refused.errors[0]?.error.code !== 'invalid_api_key') refusedAfter.push(`${account.id} via web-${web + 1}: ${refused.status} ${refused.errors[0]?.error.code ?? refused.state}`);
      }
    }

    const crossed = verdicts.filter((v) => v.crossed);
    console.log(
      clusterLine('pubsub-wait', {
        subscriptions: Object.fromEntries([...subs].map(([port, channels]) => [`n${port}`, channels.length])),
        calls: verdicts.length,
        accepted: verdicts.filter((v) => v.status === 'success' && v.state === 'accepted').length,
        crossed_nodes: crossed.length,
        crossed_accepted: crossed.filter((v) => v.state === 'accepted').length,
        shards: [...new Set(verdicts.map((v) => v.shard))].sort().join(','),
        max_ms: Math.max(...verdicts.map((v) => v.ms)),
      }),
    );
    console.log(clusterLine('long-poll', { polls: polls.length, changed: polls.filter((p) => p.changed).length, states: polls.map((p) => `${p.from}->${p.to}`).join(','), max_ms: Math.max(...polls.map((p) => p.ms)), unchanged: `${unchanged.status}@${unchanged.ms}ms` }));
    console.log(clusterLine('revoke', { revocations: revocations.length / 2, max_ms_web1: Math.max(...revocations.filter((r) => r.web === 0).map((r) => r.ms)), max_ms_web2: Math.max(...revocations.filter((r) => r.web === 1).map((r) => r.ms)), click2call_after: refusedAfter.length === 0 ? 'invalid_api_key' : refusedAfter.join(';'), logs: rig.logDir }));
  });

  after(async () => {
    await rig?.stop();
  });

  it('then a wait answer carries the verdict on both webs, also when the verdict crossed nodes by pub/sub', function () {
    if (verdicts.length === 0) this.skip();
    const wrong = verdicts.filter((v) => v.status !== 'success' || v.state !== 'accepted');
    expect(wrong, JSON.stringify(wrong.slice(0, 3))).to.deep.equal([]);
    expect(verdicts.filter((v) => v.crossed).length, 'calls whose document lives on a master without a subscriber').to.be.greaterThan(0);
  });

  it('then a status long poll (If-None-Match, wait=10) returns as soon as the document changes, read through the other web', function () {
    if (polls.length === 0) this.skip();
    expect(polls.filter((p) => !p.changed || p.ms > 5000), JSON.stringify(polls)).to.deep.equal([]);
  });

  it('then a long poll on a document that does not change ends at its bound with 304', function () {
    if (!unchanged) this.skip();
    expect(unchanged.status).to.equal(304);
    expect(unchanged.ms).to.be.within(1500, 4000);
  });

  it(`then a revoked key stops working on both webs within ${REVOKE_BOUND_MS} ms`, function () {
    if (revocations.length === 0) this.skip();
    expect(revocations.filter((r) => r.ms > REVOKE_BOUND_MS), JSON.stringify(revocations)).to.deep.equal([]);
    expect(refusedAfter).to.deep.equal([]);
  });
});

/** The worker's status writer against a real Redis: which steps share a write, in which order. */
import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createQueued, markAccepted, markDispatching, markProgress } from '../../shared/status/status-document.js';
import { AdmissionControl } from '../../shared/admission/admission.js';
import { StatusStore } from '../../shared/status/status-store.js';
import { StatusWriter } from '../../worker/status-writer.js';
import { freshPrefix, testRedis, testShards } from '../support/redis-url.js';

describe('status writer', () => {
  let redis: RedisClient;
  let store: StatusStore;
  let admission: AdmissionControl;
  const accountId = 'acct-1';
  const prefix = freshPrefix();

  before(() => {
    redis = testRedis();
    store = new StatusStore(redis, prefix, 600, 0, testShards(prefix));
    admission = new AdmissionControl(redis, prefix, store);
  });
  after(() => redis.disconnect());

  async function queued(): Promise<string> {
    const id = randomUUID();
    const doc = createQueued({ requestId: id, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, Date.now());
    // Counted as in progress, so a release is visible.
    await admission.admit({ accountId, doc, atMs: Date.now(), slot: { limit: 100, untilMs: Date.now() + 60_000 } });
    return id;
  }

  const stateOf = async (id: string) => {
    const stored = await store.get(id);
    return { version: stored?.version, events: stored?.doc.events.map((e) => e.event) };
  };
  const slotOf = (id: string) => admission.releasing(accountId, id);
  const countsAsActive = async (id: string) => (await redis.zscore(slotOf(id).key, id)) !== null;
  const never = new Promise<void>(() => {});

  it('when a step waits with soon and an apply comes first, then both go out in one write, in order', async () => {
    const id = await queued();
    const writer = new StatusWriter(store, id, slotOf(id));
    void writer.soon((doc) => markDispatching(doc, 'asterisk', {}, Date.now()), never);
    await writer.apply((doc) => markAccepted(doc, { ok: true }, Date.now()));
    expect(await stateOf(id)).to.deep.equal({ version: 2, events: ['queued', 'dispatching', 'accepted'] });
  });

  it('when nothing else comes, then a soon step is written on its own once its bound passes', async () => {
    const id = await queued();
    const writer = new StatusWriter(store, id, slotOf(id));
    let pass: () => void = () => {};
    const bound = new Promise<void>((resolve) => (pass = resolve));
    const written = writer.soon((doc) => markDispatching(doc, 'asterisk', {}, Date.now()), bound);
    expect((await stateOf(id)).version).to.equal(1);
    pass();
    await written;
    expect(await stateOf(id)).to.deep.equal({ version: 2, events: ['queued', 'dispatching'] });
  });

  it('when a step is gated, then an earlier write does not take it, and it follows once the gate opens', async () => {
    const id = await queued();
    const writer = new StatusWriter(store, id, slotOf(id));
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    await writer.apply((doc) => markDispatching(doc, 'asterisk', {}, Date.now()));
    const progress = writer.enqueue((doc) => markProgress(doc, { event: 'first_answered', leg: 1 }, Date.now()), gate);
    await writer.apply((doc) => markAccepted(doc, {}, Date.now()));
    expect(await stateOf(id)).to.deep.equal({ version: 3, events: ['queued', 'dispatching', 'accepted'] });
    open();
    await progress;
    expect(await stateOf(id)).to.deep.equal({ version: 4, events: ['queued', 'dispatching', 'accepted', 'first_answered'] });
  });

  it('when a write ends the call, then its slot is released in that write', async () => {
    const id = await queued();
    const writer = new StatusWriter(store, id, slotOf(id));
    expect(await countsAsActive(id)).to.equal(true);
    await writer.apply((doc) => markDispatching(doc, 'asterisk', {}, Date.now()));
    expect(await countsAsActive(id)).to.equal(true);
    await writer.apply((doc) => markAccepted(doc, {}, Date.now()), { endsCall: true });
    expect(await countsAsActive(id)).to.equal(false);
    expect(writer.released).to.equal(true);
  });

  it('when a document is claimed and rewritten, then it keeps the expiry it was stored with, and readers see each version', async () => {
    const id = await queued();
    const claim = await store.claim(id, { kind: 'dispatch', attempt: 'run-1' });
    if (!claim.won) throw new Error('the first claim must win');
    expect(claim.stored.version).to.equal(1);
    expect(await store.claim(id, { kind: 'cancel', attempt: 'api-1' })).to.deep.equal({ won: false, holder: 'dispatch' });
    const writer = new StatusWriter(store, id, slotOf(id));
    writer.know(claim.stored);
    await writer.apply((doc) => markDispatching(doc, 'asterisk', { Action: 'Originate' }, Date.now()));
    const ttl = await redis.ttl(store.key(id));
    expect(ttl).to.be.greaterThan(590).and.at.most(600);
    const raw = await store.getRaw(id);
    expect(raw).to.include({ accountId, version: 2 });
    expect(JSON.parse(raw?.json ?? '{}').pbx_request.pbx_data).to.deep.equal({ Action: 'Originate' });
  });

  it('when a document was stored by the earlier release as a hash, then it can still be read', async () => {
    const id = randomUUID();
    const doc = createQueued({ requestId: id, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, Date.now());
    await redis.hset(store.key(id), 'a', accountId, 'v', '4', 'd', JSON.stringify(doc), 'c', 'dispatch');
    expect(await store.getRaw(id)).to.deep.equal({ accountId, version: 4, json: JSON.stringify(doc) });
    expect((await store.get(id))?.doc.request_id).to.equal(id);
  });

  it('when a write fails, then its steps are carried by the next write', async () => {
    const id = await queued();
    const flaky = testRedis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    try {
      const writer = new StatusWriter(new StatusStore(flaky, prefix, 600, 0, testShards(prefix)), id, slotOf(id));
      let failure: unknown;
      await writer.apply((doc) => markDispatching(doc, 'asterisk', {}, Date.now())).catch((err: unknown) => (failure = err));
      expect(failure).to.be.instanceOf(Error);
      if (flaky.status !== 'ready') await new Promise((resolve) => flaky.once('ready', resolve));
      await writer.apply((doc) => markAccepted(doc, {}, Date.now()));
      expect(await stateOf(id)).to.deep.equal({ version: 2, events: ['queued', 'dispatching', 'accepted'] });
    } finally {
      flaky.disconnect();
    }
  });
});

import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { AccountStore } from '../../shared/accounts/account-store.js';
import { CALL_QUEUE, type CallJob } from '../../shared/call-job.js';
import { createQueued, markDispatching } from '../../shared/status/status-document.js';
import { AdmissionControl } from '../../shared/admission/admission.js';
import { StatusStore } from '../../shared/status/status-store.js';
import { DriverCache } from '../../worker/pbx/driver-cache.js';
import { startWorker, type WorkerHandle } from '../../worker/main.js';
import { recordInterruptedJob } from '../../worker/interrupted-job.js';
import { processCallJob, type CallJobDeps } from '../../worker/process-call-job.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { freshPrefix, testRedis, testShards } from '../support/redis-url.js';

describe('at most once', function () {
  this.timeout(10000);
  let redis: RedisClient;
  let pbx: HttpPbxDouble;
  let deps: CallJobDeps;
  let accountId: string;

  before(async () => {
    redis = testRedis();
    pbx = await startHttpPbxDouble();
    const prefix = freshPrefix();
    const logger = pino({ level: 'silent' });
    const shards = testShards(prefix);
    const accounts = new AccountStore(redis, prefix, randomBytes(32), shards);
    accountId = (await accounts.createAccount('a')).id;
    await accounts.putPbx(accountId, 'other', { url: `${pbx.url}/c2c?to={dial_second}&id={request_id}` });
    const statusStore = new StatusStore(redis, prefix, 600, 0, shards);
    deps = { statusStore, admission: new AdmissionControl(redis, prefix, statusStore), accounts, drivers: new DriverCache({ allowPrivateAddresses: true }, logger), logger };
  });
  after(async () => {
    await deps.drivers.closeAll();
    await pbx.close();
    redis.disconnect();
  });

  const slot = { limit: 100, untilMs: Date.now() + 600_000 };
  const slotHeld = async (id: string) => (await redis.zscore(deps.admission.releasing(accountId, id).key, id)) !== null;

  async function queuedJob(overrides: Partial<CallJob> = {}): Promise<CallJob> {
    const id = randomUUID();
    const doc = createQueued({ requestId: id, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, Date.now());
    await deps.admission.admit({ accountId, doc, atMs: Date.now(), slot });
    return { request_id: id, account_id: accountId, pbx: 'other', dial_first: '1001', dial_second: '5550100', dial_as: '1001', timeout: 30, deadline_ms: Date.now() + 60000, ...overrides };
  }

  const dialsOf = (id: string) => pbx.requests.filter((r) => r.url.includes(id)).length;
  const docOf = async (id: string) => (await deps.statusStore.get(id))?.doc;

  it('when the same job runs twice (a re-run after a crash), then the PBX is asked once', async () => {
    const job = await queuedJob();
    await processCallJob(job, deps, { token: 'run-1' });
    expect((await docOf(job.request_id))?.state).to.equal('accepted');
    await processCallJob(job, deps, { token: 'run-2' });
    expect(dialsOf(job.request_id)).to.equal(1);
  });

  it('when a re-run finds the call claimed by a run that stopped, then it does not dial and the outcome is unknown, never failed', async () => {
    const job = await queuedJob();
    // What a worker killed right after claiming leaves behind.
    await deps.statusStore.claim(job.request_id, { kind: 'dispatch', attempt: 'run-that-died' });
    await processCallJob(job, deps, { token: 'run-2' });
    const doc = await docOf(job.request_id);
    expect(doc?.state).to.equal('dispatching');
    expect(doc?.response?.error?.message).to.contain('may or may not have been placed');
    expect(dialsOf(job.request_id)).to.equal(0);
  });

  it('when the job was cancelled by the API first, then the worker never dials it', async () => {
    const job = await queuedJob();
    await deps.statusStore.claim(job.request_id, { kind: 'cancel', attempt: job.request_id });
    await processCallJob(job, deps);
    expect(dialsOf(job.request_id)).to.equal(0);
  });

  it('when a canceller took the claim but its write never landed, then the worker finishes the cancel instead of leaving it queued', async () => {
    const job = await queuedJob();
    // What a web process that died between its cancel claim and its write (or a Redis that lost it) leaves.
    await deps.statusStore.claim(job.request_id, { kind: 'cancel', attempt: job.request_id });
    await processCallJob(job, deps);
    const doc = await docOf(job.request_id);
    expect(doc?.state).to.equal('expired');
    expect(doc?.response?.error?.message).to.contain('cancelled before it was dialed');
    expect(dialsOf(job.request_id)).to.equal(0);
    expect(await slotHeld(job.request_id)).to.equal(false);
  });

  it('when the job waited past its deadline, then it is expired, never dialed, and its slot is free', async () => {
    const job = await queuedJob({ deadline_ms: Date.now() - 1 });
    await processCallJob(job, deps);
    const doc = await docOf(job.request_id);
    expect(doc?.state).to.equal('expired');
    expect(doc?.response?.error?.code).to.equal('expired');
    expect(dialsOf(job.request_id)).to.equal(0);
    expect(await slotHeld(job.request_id)).to.equal(false);
  });

  it('when the run lost its job lock (another worker took the job), then it never dials and writes nothing', async () => {
    const job = await queuedJob();
    // In the job's shard, where BullMQ keeps it (one slot with the document on a Cluster).
    const lockKey = `${deps.statusStore.shards.requestPrefix(job.request_id)}:q:calls:${job.request_id}:lock`;
    await redis.set(lockKey, 'token-of-another-worker', 'EX', 60);
    await processCallJob(job, deps, { token: 'stale-token', lockKey });
    expect(dialsOf(job.request_id)).to.equal(0);
    expect(await deps.statusStore.get(job.request_id)).to.include({ version: 1 });
    await redis.set(lockKey, 'our-token', 'EX', 60);
    await processCallJob(job, deps, { token: 'our-token', lockKey });
    expect(dialsOf(job.request_id)).to.equal(1);
  });

  it('when a claim is sent again by the same attempt (a replay after a lost reply), then it wins again; any other attempt loses', async () => {
    const job = await queuedJob();
    const first = await deps.statusStore.claim(job.request_id, { kind: 'dispatch', attempt: 'run-1' });
    const replay = await deps.statusStore.claim(job.request_id, { kind: 'dispatch', attempt: 'run-1' });
    expect(first.won).to.equal(true);
    expect(replay).to.deep.equal(first);
    expect(await deps.statusStore.claim(job.request_id, { kind: 'dispatch', attempt: 'run-2' })).to.deep.equal({ won: false, holder: 'dispatch' });
    expect(await deps.statusStore.claim(job.request_id, { kind: 'cancel', attempt: 'api' })).to.deep.equal({ won: false, holder: 'dispatch' });
  });

  it('when an admission is sent again (a replay after a lost reply), then it is admitted again, not a repeat of itself, and holds one slot', async () => {
    const id = randomUUID();
    const doc = createQueued({ requestId: id, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, Date.now());
    const repeat = { key: `${deps.statusStore.shards.accountPrefix(accountId)}:dup:${freshPrefix()}`, ttlSeconds: 10 };
    const request = { accountId: 'replayed', doc, atMs: Date.now(), repeat, slot: { limit: 1, untilMs: Date.now() + 60_000 } };
    expect(await deps.admission.admit(request)).to.deep.equal({ kind: 'admitted' });
    expect(await deps.admission.admit(request)).to.deep.equal({ kind: 'admitted' });
    expect(await redis.zcard(deps.admission.releasing('replayed', id).key)).to.equal(1);
    // A different request for the same call within the window is still a repeat of the first.
    const other = createQueued({ requestId: randomUUID(), serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, Date.now());
    expect(await deps.admission.admit({ ...request, doc: other })).to.deep.equal({ kind: 'repeat', originalId: id });
  });

  it('when a status write is sent again (a replay after a lost reply), then it succeeds once and the version moves once', async () => {
    const job = await queuedJob();
    const first = await deps.statusStore.claim(job.request_id, { kind: 'dispatch', attempt: 'run-1' });
    if (!first.won) throw new Error('claim lost');
    const write = (doc: Parameters<typeof markDispatching>[0]) => markDispatching(doc, 'other', {}, 1_700_000_000_000);
    const once = await deps.statusStore.update(job.request_id, write, first.stored);
    const again = await deps.statusStore.update(job.request_id, write, first.stored);
    expect(once?.version).to.equal(2);
    // The script finds its own result stored and answers as it did the first time.
    expect(again).to.deep.equal(once);
    expect(await deps.statusStore.get(job.request_id)).to.include({ version: 2 });
  });

  it('when BullMQ fails a job nobody claimed, then it ends failed ("not dialed") and its slot is free', async () => {
    const job = await queuedJob();
    await recordInterruptedJob(job.request_id, 'job stalled more than allowable limit', deps);
    const doc = await docOf(job.request_id);
    expect(doc?.state).to.equal('failed');
    expect(doc?.response?.error?.message).to.contain('was not dialed');
    expect(await slotHeld(job.request_id)).to.equal(false);
    // The failure holds the cancel claim: a late run of the job cannot dial it.
    await processCallJob(job, deps);
    expect(dialsOf(job.request_id)).to.equal(0);
  });

  it('when BullMQ fails a job whose run had claimed it, then the outcome is unknown (dispatching with an error), never failed', async () => {
    const job = await queuedJob();
    await deps.statusStore.claim(job.request_id, { kind: 'dispatch', attempt: 'run-that-died' });
    await recordInterruptedJob(job.request_id, 'job stalled more than allowable limit', deps);
    const doc = await docOf(job.request_id);
    expect(doc?.state).to.equal('dispatching');
    expect(doc?.response?.error?.message).to.contain('may or may not have been placed');
  });
});

describe('a call job that fails in the worker', function () {
  this.timeout(15000);
  let relay: Relay;
  let worker: WorkerHandle | undefined;
  let pbx: HttpPbxDouble;
  after(async () => {
    await worker?.shutdown.run();
    await relay?.stop();
    await pbx?.close();
  });

  it('when the job cannot be processed before anyone claimed it, then its status ends failed ("not dialed") and nothing is dialed', async () => {
    pbx = await startHttpPbxDouble();
    relay = await startRelay({}, { worker: false });
    const { apiKey, accountId } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` });
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', pbx: 'other', wait: '0' });
    expect(answer.state, JSON.stringify(answer.errors)).to.equal('queued');
    // A job whose data no longer matches the contract (as a crash or a bad deploy could leave it).
    const redis = testRedis();
    await redis.hset(`${relay.shards.queuePrefix(relay.shards.ofAccount(accountId))}:${CALL_QUEUE}:${answer.request_id}`, 'data', '{"request_id":"broken"}');
    redis.disconnect();

    worker = await startWorker(relay.config, pino({ level: 'silent' }));
    const doc = await eventually(async () => {
      const doc = (await statusOf(answer.status_url)).body.c2c_status;
      expect(doc.state).to.equal('failed');
      return doc;
    });
    expect(doc.response.error.message).to.contain('was not dialed');
    expect(pbx.requests).to.have.length(0);
  });
});

import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { AccountStore } from '../../shared/accounts/account-store.js';
import { CALL_QUEUE, queuePrefix, type CallJob } from '../../shared/call-job.js';
import { createQueued } from '../../shared/status/status-document.js';
import { StatusStore } from '../../shared/status/status-store.js';
import { DriverCache } from '../../worker/pbx/driver-cache.js';
import { startWorker, type WorkerHandle } from '../../worker/main.js';
import { processCallJob, type CallJobDeps } from '../../worker/process-call-job.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { freshPrefix, TEST_REDIS_URL } from '../support/redis-url.js';

describe('at most once', function () {
  this.timeout(10000);
  let redis: Redis;
  let pbx: HttpPbxDouble;
  let deps: CallJobDeps;
  let accountId: string;

  before(async () => {
    redis = new Redis(TEST_REDIS_URL);
    pbx = await startHttpPbxDouble();
    const prefix = freshPrefix();
    const logger = pino({ level: 'silent' });
    const accounts = new AccountStore(redis, prefix, randomBytes(32));
    accountId = (await accounts.createAccount('a')).id;
    await accounts.putPbx(accountId, 'other', { url: `${pbx.url}/c2c?to={dial_second}&id={request_id}` });
    deps = { statusStore: new StatusStore(redis, prefix, 600), accounts, drivers: new DriverCache({ allowPrivateAddresses: true }, logger), logger };
  });
  after(async () => {
    await deps.drivers.closeAll();
    await pbx.close();
    redis.disconnect();
  });

  async function queuedJob(overrides: Partial<CallJob> = {}): Promise<CallJob> {
    const id = randomUUID();
    const doc = createQueued({ requestId: id, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, Date.now());
    await deps.statusStore.create(accountId, doc, Date.now());
    return { request_id: id, account_id: accountId, pbx: 'other', dial_first: '1001', dial_second: '5550100', dial_as: '1001', timeout: 30, deadline_ms: Date.now() + 60000, ...overrides };
  }

  const dialsOf = (id: string) => pbx.requests.filter((r) => r.url.includes(id)).length;

  it('when the same job runs twice (a re-run after a crash), then the PBX is asked once and the status says why', async () => {
    const job = await queuedJob();
    await processCallJob(job, deps);
    expect((await deps.statusStore.get(job.request_id))?.doc.state).to.equal('accepted');
    await processCallJob(job, deps);
    expect(dialsOf(job.request_id)).to.equal(1);
  });

  it('when a re-run finds the call interrupted at dispatching, then it fails it honestly instead of dialing', async () => {
    const job = await queuedJob();
    // What a worker killed right after claiming leaves behind.
    await deps.statusStore.claim(job.request_id, 'dispatch');
    await processCallJob(job, deps);
    const doc = (await deps.statusStore.get(job.request_id))?.doc;
    expect(doc?.state).to.equal('failed');
    expect(doc?.response?.error?.message).to.contain('not retried');
    expect(dialsOf(job.request_id)).to.equal(0);
  });

  it('when the job was cancelled by the API first, then the worker never dials it', async () => {
    const job = await queuedJob();
    await deps.statusStore.claim(job.request_id, 'cancel');
    await processCallJob(job, deps);
    expect(dialsOf(job.request_id)).to.equal(0);
  });

  it('when the job waited past its deadline, then it is expired and never dialed', async () => {
    const job = await queuedJob({ deadline_ms: Date.now() - 1 });
    await processCallJob(job, deps);
    const doc = (await deps.statusStore.get(job.request_id))?.doc;
    expect(doc?.state).to.equal('expired');
    expect(doc?.response?.error?.code).to.equal('expired');
    expect(dialsOf(job.request_id)).to.equal(0);
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

  it('when the job cannot be processed, then its status ends failed with the honest message and nothing is dialed', async () => {
    pbx = await startHttpPbxDouble();
    relay = await startRelay({}, { worker: false });
    const { apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` });
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', pbx: 'other', wait: '0' });
    expect(answer.state, JSON.stringify(answer.errors)).to.equal('queued');
    // A job whose data no longer matches the contract (as a crash or a bad deploy could leave it).
    const redis = new Redis(TEST_REDIS_URL);
    await redis.hset(`${queuePrefix(relay.config.redisPrefix)}:${CALL_QUEUE}:${answer.request_id}`, 'data', '{"request_id":"broken"}');
    redis.disconnect();

    worker = await startWorker(relay.config, pino({ level: 'silent' }));
    const doc = await eventually(async () => {
      const doc = (await statusOf(answer.status_url)).body.c2c_status;
      expect(doc.state).to.equal('failed');
      return doc;
    });
    expect(doc.response.error.message).to.contain('not retried');
    expect(pbx.requests).to.have.length(0);
  });
});

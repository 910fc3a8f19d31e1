/** How the worker writes an Asterisk call's progress: steps close together share one write. */
import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { AccountStore } from '../../shared/accounts/account-store.js';
import { createQueued } from '../../shared/status/status-document.js';
import { AdmissionControl } from '../../shared/admission/admission.js';
import { StatusStore } from '../../shared/status/status-store.js';
import { DriverCache } from '../../worker/pbx/driver-cache.js';
import { processCallJob, type CallJobDeps } from '../../worker/process-call-job.js';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { doubleOptions, settingsFor } from '../doubles/ami/driver-fixture.js';
import { eventually } from '../support/eventually.js';
import { freshPrefix, testRedis, testShards } from '../support/redis-url.js';

describe('call progress writes', () => {
  let redis: RedisClient;
  let double: AmiDouble;
  let deps: CallJobDeps;
  let accountId: string;

  before(async () => {
    redis = testRedis();
    // Leg 1 answers, leg 2 answers and hangs up within a few milliseconds.
    double = await startAmiDouble(doubleOptions({ timing: { ringMs: 1, holdMs: 1 }, leg2Outcomes: {} }));
    const prefix = freshPrefix();
    const shards = testShards(prefix);
    const accounts = new AccountStore(redis, prefix, randomBytes(32), shards);
    accountId = (await accounts.createAccount('a')).id;
    await accounts.putPbx(accountId, 'asterisk', settingsFor(double.port));
    const logger = pino({ level: 'silent' });
    // A window far longer than the call, so the test does not depend on the machine's speed.
    const statusStore = new StatusStore(redis, prefix, 600, 0, shards);
    deps = { statusStore, admission: new AdmissionControl(redis, prefix, statusStore), accounts, drivers: new DriverCache({ allowPrivateAddresses: true }, logger), logger, progressWindowMs: 500 };
  });
  after(async () => {
    await deps.drivers.closeAll();
    await double.close();
    redis.disconnect();
  });

  it('when progress comes in a burst, then it is one write after the verdict, each step with its own entry', async () => {
    const id = randomUUID();
    await deps.admission.admit({ accountId, doc: createQueued({ requestId: id, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, Date.now()), atMs: Date.now() });
    await processCallJob({ request_id: id, account_id: accountId, pbx: 'asterisk', dial_first: '1001', dial_second: '5550100', dial_as: '1001', timeout: 30, deadline_ms: Date.now() + 60_000 }, deps);
    const stored = await eventually(async () => {
      const current = await deps.statusStore.get(id);
      expect(current?.doc.state).to.equal('completed');
      return current;
    });
    expect(stored?.doc.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
    // created (1), dispatching + accepted (2), the whole burst of progress (3)
    expect(stored?.version).to.equal(3);
  });
});

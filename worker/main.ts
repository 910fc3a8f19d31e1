import { Worker, type Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AccountStore } from '../shared/accounts/account-store.js';
import { CALL_QUEUE, parseCallJob, PBX_TEST_QUEUE, type PbxTestJob } from '../shared/call-job.js';
import type { Config } from '../shared/config.js';
import { isEntryPoint, runProcess } from '../shared/process-entry.js';
import { createRedis } from '../shared/redis.js';
import { Shutdown } from '../shared/shutdown.js';
import { AdmissionControl } from '../shared/admission/admission.js';
import { Shards } from '../shared/shards.js';
import { StatusStore } from '../shared/status/status-store.js';
import { createNoAnswerSenders } from './fallbacks/no-answer-senders.js';
import { recordInterruptedJob } from './interrupted-job.js';
import { DriverCache } from './pbx/driver-cache.js';
import { processCallJob } from './process-call-job.js';
import { noAnswerSender } from './fallbacks/send-no-answer.js';
import { AgentPauseKeeper } from './plans/agent-pause-keeper.js';
import { AgentPauseLedger } from './plans/agent-pause-ledger.js';
import type { PlanDeps } from './plans/place-planned-call.js';
import { PendingWrites } from './pending-writes.js';
import { withFallback } from '../shared/status/status-document.js';
import { startWebhookDelivery } from './webhooks/webhook-delivery.js';

export interface WorkerHandle {
  shutdown: Shutdown;
}

/** How long the worker keeps sending a status write whose reply was lost (a Redis restart takes seconds). */
const REPLAY_FOR_MS = 5 * 60_000;

/** Composition root of the worker process: connections, BullMQ workers, PBX drivers. */
export async function startWorker(config: Config, logger: Logger): Promise<WorkerHandle> {
  const redis = createRedis(config, 'worker', logger);
  // The worker waits Redis out: a status write or claim whose reply was lost is sent again (safely).
  const shards = new Shards(config.redisPrefix, config.queueShards, config.redisCluster);
  const statusStore = new StatusStore(redis, config.redisPrefix, config.statusTtlSeconds, REPLAY_FOR_MS, shards);
  const admission = new AdmissionControl(redis, config.redisPrefix, statusStore, REPLAY_FOR_MS);
  const accounts = new AccountStore(redis, config.redisPrefix, config.masterKey, shards);
  const drivers = new DriverCache({ allowPrivateAddresses: config.allowPrivatePbxAddresses }, logger);
  // Click-to-FindMe's no-answer email and SMS (SPEC §9): one SMTP pool and one gateway client per process.
  const noAnswer = createNoAnswerSenders(config, { redis, shards, accounts, logger });
  // The PBX-test and webhook queues live in shard 0 (one hash slot on a Cluster).
  const prefix = shards.queuePrefix(0);
  // Webhooks run beside calls with their own queue, worker and connections (worker/webhooks/); a
  // FindMe's no-answer URL is one more delivery there, whose outcomes land in the request's document.
  const webhooks = await startWebhookDelivery(config, {
    redis,
    statusStore,
    logger,
    shards,
    connect: () => createRedis(config, 'worker', logger),
    onNoAnswerOutcome: async (requestId, outcome) => {
      await statusStore.update(requestId, (doc) => withFallback(doc, outcome));
    },
  });
  const writes = new PendingWrites();
  const ledger = new AgentPauseLedger(redis, config.redisPrefix, shards);
  const keeper = new AgentPauseKeeper({ ledger, accounts, drivers, logger, intervalMs: config.agentPauseCheckMs });
  const plans: PlanDeps = { ledger, agentVouchMs: 3 * config.agentPauseCheckMs, sendNoAnswer: noAnswerSender(noAnswer.deps, webhooks.queueNoAnswerPost) };

  // One BullMQ worker per shard this process serves (all by default; WORKER_SHARDS for placement).
  const callWorkers = (config.workerShards ?? shards.all()).map((n) => {
    const calls: Worker = new Worker(
      CALL_QUEUE,
      // The run's lock token and key go into the dispatch claim: a run that lost its job's lock never dials.
      async (job: Job, token?: string) =>
        processCallJob(parseCallJob(job.data), { statusStore, admission, accounts, drivers, logger, replayForMs: REPLAY_FOR_MS, plans, writes }, { token: token ?? randomUUID(), lockKey: `${calls.toKey(job.id ?? '')}:lock` }),
      {
        connection: createRedis(config, 'worker', logger),
        prefix: shards.queuePrefix(n),
        concurrency: config.workerConcurrency,
        // At most once: a job whose worker died is failed, never handed to another worker to dial again.
        maxStalledCount: 0,
        removeOnComplete: { count: 0 },
        removeOnFail: { age: 24 * 3600 },
      },
    );
    calls.on('error', (err) => logger.error({ err, shard: n }, 'call worker error'));
    // A job fails only when infrastructure broke under it, or when it comes back after its worker died
    // (BullMQ fails a stalled job with maxStalledCount 0 in the next worker that picks it up): say so honestly.
    calls.on('failed', (job, err) => {
      const id = job?.id;
      if (id === undefined) return;
      recordInterruptedJob(id, err.message, { statusStore, admission, logger }).catch((error: unknown) =>
        logger.error({ err: error, request_id: id }, 'could not record the failed call job'),
      );
    });
    return calls;
  });

  const tests = new Worker(
    PBX_TEST_QUEUE,
    async (job: Job<PbxTestJob>) => {
      const loaded = await accounts.loadPbx(job.data.account_id, job.data.pbx);
      if (!loaded) return { ok: false, detail: 'no connection configured' };
      const lease = drivers.lease(job.data.account_id, job.data.pbx, loaded.revision, loaded.open);
      try {
        return await lease.driver.test();
      } finally {
        lease.release();
      }
    },
    { connection: createRedis(config, 'worker', logger), prefix, concurrency: 10, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  );
  tests.on('error', (err) => logger.error({ err }, 'test worker error'));

  await Promise.all([...callWorkers.map((calls) => calls.waitUntilReady()), tests.waitUntilReady()]);
  keeper.start();
  logger.info({ concurrency: config.workerConcurrency, shards: config.workerShards ?? shards.all() }, 'worker ready');

  const shutdown = new Shutdown(logger, config.shutdownTimeoutMs)
    .add('finish in-flight jobs', () => Promise.all([...callWorkers.map((calls) => calls.close()), tests.close()]))
    .add('stop restoring agents', () => keeper.stop())
    .add('stop webhook deliveries', () => webhooks.close())
    .add('close PBX connections', () => drivers.closeAll())
    .add('record what the calls reported last', () => writes.drain())
    .add('close the SMTP pool and SMS gateway connections', () => noAnswer.close())
    .add('quit redis', () => redis.quit());
  return { shutdown };
}

if (isEntryPoint(import.meta.url)) runProcess('c2c-worker', startWorker);

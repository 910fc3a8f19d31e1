import { Queue, Worker, type Job } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import type { Logger } from 'pino';
import type { Shards } from '../../shared/shards.js';
import type { Config } from '../../shared/config.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import { DeliveryLog } from '../../shared/webhooks/delivery-log.js';
import { retryDelayMs, WEBHOOK_BACKOFF, WEBHOOK_QUEUE } from '../../shared/webhooks/webhook-job.js';
import { WebhookStore } from '../../shared/webhooks/webhook-store.js';
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { noAnswerAttemptListener, queueNoAnswerPost, type NoAnswerOutcomeListener, type NoAnswerUrlOutcome } from '../fallbacks/no-answer-url.js';
import { ChangeFanout } from './change-fanout.js';
import { deliverWebhook, RetryLater } from './deliver-webhook.js';
import { WebhookSender } from './webhook-sender.js';

export interface WebhookDeliveryDeps {
  redis: RedisClient;
  statusStore: StatusStore;
  logger: Logger;
  /** A new worker-role connection (the composition root owns how connections are made). */
  connect: () => RedisClient;
  shards: Shards;
  /** Told of each attempt of a FindMe's no-answer POST (the status recorder). */
  onNoAnswerOutcome?: NoAnswerOutcomeListener;
}

export interface WebhookDeliveryHandle {
  /** Queues a FindMe's no-answer POST on this queue (worker/fallbacks/no-answer-url.ts). */
  queueNoAnswerPost: (report: NoAnswerReport, url: string) => Promise<NoAnswerUrlOutcome>;
  close: () => Promise<void>;
}

/** Deliveries one worker process sends at once; a hanging receiver holds one for at most WEBHOOK_TIMEOUT_MS. */
const CONCURRENCY = 50;

/**
 * The webhook side of a worker process: the fan-out from the change stream to the `webhooks` queue,
 * and the BullMQ worker that sends them. Nothing here shares a queue, a worker or a listener with
 * calls, so a failing or slow webhook never touches a call job.
 */
export async function startWebhookDelivery(config: Config, deps: WebhookDeliveryDeps): Promise<WebhookDeliveryHandle> {
  const { logger } = deps;
  // In shard 0, like every queue that is not a call queue (one hash slot on a Cluster).
  const prefix = deps.shards.queuePrefix(0);
  const webhooks = new WebhookStore(deps.redis, config.redisPrefix, config.masterKey, deps.shards);
  const deliveries = new DeliveryLog(deps.redis, config.redisPrefix);
  const sender = new WebhookSender({ allowPrivateAddresses: config.allowPrivateWebhookAddresses, timeoutMs: config.webhookTimeoutMs });
  const queueConnection = deps.connect();
  const queue = new Queue(WEBHOOK_QUEUE, { connection: queueConnection, prefix });
  queue.on('error', (err) => logger.error({ err }, 'webhook queue error'));
  const workerConnection = deps.connect();
  const onAttempt = deps.onNoAnswerOutcome === undefined ? {} : { onAttempt: noAnswerAttemptListener(deps.onNoAnswerOutcome) };
  const worker = new Worker(
    WEBHOOK_QUEUE,
    (job: Job, token?: string) => deliverWebhook(job, token, { webhooks, deliveries, sender, retryBaseMs: config.webhookRetryBaseMs, logger, ...onAttempt }),
    {
      connection: workerConnection,
      prefix,
      concurrency: CONCURRENCY,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string, err?: Error) =>
          type === WEBHOOK_BACKOFF && err instanceof RetryLater ? err.delayMs : retryDelayMs(attemptsMade, config.webhookRetryBaseMs),
      },
    },
  );
  worker.on('error', (err) => logger.error({ err }, 'webhook worker error'));
  // One fan-out per shard: each shard's changes have their own stream, in that shard's slot; a
  // blocking reader each.
  const readers = deps.shards.all().map(() => deps.connect());
  const fanouts = deps.shards.all().map(
    (n) => new ChangeFanout({ reader: readers[n] as RedisClient, redis: deps.redis, prefix: deps.shards.keyPrefix(n), statusStore: deps.statusStore, webhooks, deliveries, queue, logger }),
  );
  await Promise.all([worker.waitUntilReady(), ...fanouts.map((fanout) => fanout.start())]);
  return {
    queueNoAnswerPost: (report, url) => queueNoAnswerPost(report, url, { webhooks, deliveries, queue, allowHttp: config.allowPrivateWebhookAddresses }),
    close: async () => {
      await Promise.all(fanouts.map((fanout) => fanout.close()));
      // Without waiting for receivers: a delivery cut short is retried (at least once), never lost.
      await worker.close(true);
      await queue.close();
      sender.close();
      await Promise.all([queueConnection.quit(), workerConnection.quit()]);
    },
  };
}

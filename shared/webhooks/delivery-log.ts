import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import { deliveryIndexKey, deliveryKey } from './webhook-keys.js';
import { webhookJobOptions, WEBHOOK_QUEUE, type WebhookJob, type WebhookTarget } from './webhook-job.js';
import { displayUrl } from './webhook-settings.js';

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';

/** What the relay remembers of one delivery: the event, where it goes, and each attempt's outcome. */
export interface DeliveryRecord {
  job: WebhookJob;
  /** Where it is POSTed (a subscription's URL when it was planned, the status_callback or the no_answer_url). */
  url: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: string;
  last_attempt_at?: string;
  http_status?: number;
  error?: string;
  next_retry_at?: string;
  resend_of?: string;
}

/** A record as the admin API lists it: the record's outcome, with the job's identifying fields flattened. */
export interface DeliveryView extends Omit<DeliveryRecord, 'job'> {
  id: string;
  event_id: string;
  request_id: string;
  /** The state the event announces; `no_answer` for a FindMe's no-answer report. */
  state: string;
  target: WebhookTarget['kind'];
  subscription_id?: string;
}

/** Recent deliveries per account: enough to see what went wrong, bounded in count and time. */
const KEEP_PER_ACCOUNT = 1000;
const KEEP_SECONDS = 7 * 24 * 3600;

/** The one module that knows how deliveries are recorded, listed and queued. */
export class DeliveryLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /**
   * Records deliveries as pending, then queues them, in order. Ids are stable, so planning the same
   * deliveries again (a replayed change) neither resets a record nor queues a job twice.
   */
  async enqueue(queue: Queue, deliveries: { job: WebhookJob; url: string; resendOf?: string }[], now = new Date()): Promise<void> {
    if (deliveries.length === 0) return;
    // Records and their index live in different Cluster slots: written one command each, in order.
    for (const { job, url, resendOf } of deliveries) {
      const record: DeliveryRecord = { job, url, status: 'pending', attempts: 0, created_at: now.toISOString(), ...(resendOf === undefined ? {} : { resend_of: resendOf }) };
      const index = deliveryIndexKey(this.prefix, job.account_id);
      await this.redis.set(deliveryKey(this.prefix, job.delivery_id), JSON.stringify(record), 'EX', KEEP_SECONDS, 'NX');
      await this.redis.zadd(index, 'NX', now.getTime(), job.delivery_id);
      await this.redis.zremrangebyrank(index, 0, -KEEP_PER_ACCOUNT - 1);
      await this.redis.expire(index, KEEP_SECONDS);
    }
    await queue.addBulk(deliveries.map(({ job }) => ({ name: WEBHOOK_QUEUE, data: job, opts: webhookJobOptions(job.delivery_id) })));
  }

  async get(deliveryId: string): Promise<DeliveryRecord | undefined> {
    const json = await this.redis.get(deliveryKey(this.prefix, deliveryId));
    return json === null ? undefined : (JSON.parse(json) as DeliveryRecord);
  }

  /** Writes an attempt's outcome into the record (only the worker holding the job writes it). */
  async recordAttempt(deliveryId: string, outcome: Pick<DeliveryRecord, 'status' | 'attempts'> & Partial<Pick<DeliveryRecord, 'http_status' | 'error' | 'next_retry_at'>>, now = new Date()): Promise<void> {
    const record = await this.get(deliveryId);
    if (!record) return;
    const { http_status: _status, error: _error, next_retry_at: _next, ...kept } = record;
    const next: DeliveryRecord = { ...kept, ...outcome, last_attempt_at: now.toISOString() };
    await this.redis.set(deliveryKey(this.prefix, deliveryId), JSON.stringify(next), 'KEEPTTL', 'XX');
  }

  /** The account's deliveries, newest first. */
  async list(accountId: string, limit: number): Promise<DeliveryView[]> {
    const ids = await this.redis.zrevrange(deliveryIndexKey(this.prefix, accountId), 0, limit - 1);
    if (ids.length === 0) return [];
    // One GET each, not MGET: each record is in its own Cluster slot (the client sends them to their
    // nodes); on a single Redis they leave one after the other without waiting: one round trip.
    const records = await Promise.all(ids.map((id) => this.redis.get(deliveryKey(this.prefix, id))));
    return records.flatMap((json) => (json === null ? [] : [viewOf(JSON.parse(json) as DeliveryRecord)]));
  }
}

export function viewOf(record: DeliveryRecord): DeliveryView {
  const { job } = record;
  return {
    id: job.delivery_id,
    event_id: job.event.id,
    request_id: job.event.request_id,
    state: job.event.type === 'call.state_changed' ? job.event.state : 'no_answer',
    target: job.target.kind,
    ...(job.target.kind === 'subscription' ? { subscription_id: job.target.subscription_id } : {}),
    url: displayUrl(record.url),
    status: record.status,
    attempts: record.attempts,
    created_at: record.created_at,
    ...(record.last_attempt_at === undefined ? {} : { last_attempt_at: record.last_attempt_at }),
    ...(record.http_status === undefined ? {} : { http_status: record.http_status }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.next_retry_at === undefined ? {} : { next_retry_at: record.next_retry_at }),
    ...(record.resend_of === undefined ? {} : { resend_of: record.resend_of }),
  };
}

import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { DeliveryLog } from '../../shared/webhooks/delivery-log.js';
import { signatureHeader } from '../../shared/webhooks/webhook-event.js';
import { nextRetryDelayMs, parseWebhookJob, type DeliveredEvent, type WebhookJob } from '../../shared/webhooks/webhook-job.js';
import { isCallbackHostAllowed, type WebhookStore } from '../../shared/webhooks/webhook-store.js';
import { noAnswerXml } from '../fallbacks/no-answer-xml.js';
import type { WebhookSender } from './webhook-sender.js';

/**
 * How one attempt ended, for a listener beyond the delivery log (a FindMe's status document):
 * `refused` when sending cannot help (the address guard, a host no longer allowed), `failed` when
 * the retry window closed.
 */
export interface AttemptResult {
  result: 'sent' | 'retrying' | 'refused' | 'failed';
  message: string;
  atMs: number;
}

export interface DeliverDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryLog;
  sender: WebhookSender;
  /** WEBHOOK_RETRY_BASE_MS: the first retry's wait, doubled on each failure. */
  retryBaseMs: number;
  logger: Logger;
  now?: () => number;
  /** Told after each recorded attempt; a listener that fails is logged and never fails the delivery. */
  onAttempt?: (job: WebhookJob, attempt: AttemptResult) => Promise<void>;
}

/** A failed attempt and when to try again: the webhook worker's backoff strategy reads the wait from it. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

type Receiver = { url: string; secret: string } | { refused: string };

/**
 * How often a delivery looks again whether the previous event's first attempt is over: soon at
 * first (events of a call are milliseconds apart), then less often (a receiver that hangs holds the
 * previous one for up to WEBHOOK_TIMEOUT_MS); and for how long at most.
 */
const ORDER_POLL_MS = { min: 25, max: 1000 };
const ORDER_WAIT_LIMIT_MS = 60_000;

/**
 * True when the call's previous event to this receiver has not had its first attempt yet: BullMQ
 * may start jobs out of order (concurrency, several workers), and receivers should see a call's
 * states in order. Only a retry may arrive after a newer event; past the limit nothing waits.
 */
async function mustWaitForPrevious(job: Job, data: WebhookJob, deliveries: DeliveryLog, nowMs: number): Promise<boolean> {
  if (data.after === undefined || job.attemptsMade > 0 || nowMs - job.timestamp > ORDER_WAIT_LIMIT_MS) return false;
  return (await deliveries.get(data.after))?.status === 'pending';
}

/** Where the delivery goes and the secret that signs it, as the account's settings say now. */
async function receiverOf(job: WebhookJob, webhooks: WebhookStore): Promise<Receiver> {
  const config = await webhooks.load(job.account_id);
  const { target } = job;
  if (target.kind === 'subscription') {
    const subscription = config.subscriptions.find((entry) => entry.id === target.subscription_id);
    if (!subscription) return { refused: 'the subscription was removed' };
    return { url: subscription.url, secret: webhooks.secretOf(subscription.sealed) };
  }
  // The host was allowed when the call was requested; an operator who removed it since meant to stop sending there.
  if (!config.callback || !isCallbackHostAllowed(config.callback.hosts, target.url)) return { refused: `the ${target.kind} host is no longer one of the account's callback_hosts` };
  return { url: target.url, secret: webhooks.secretOf(config.callback.sealed) };
}

/** The body and its type: a state change as JSON, a FindMe's no-answer report as the reference's XML. */
function payloadOf(event: DeliveredEvent): { body: string; contentType: string; headers: Record<string, string> } {
  if (event.type === 'call.state_changed') return { body: JSON.stringify(event), contentType: 'application/json', headers: {} };
  // The reference's XML names no request: the header does.
  return { body: noAnswerXml({ phoneToCall: event.phone_to_call, attempts: event.attempts }), contentType: 'application/xml', headers: { 'c2c-request-id': event.request_id } };
}

/**
 * One attempt of one delivery: sign (a fresh timestamp each attempt, the same event id), POST,
 * record the outcome. A failure is retried with backoff (`RetryLater`) until the retry window
 * closes; what retrying cannot fix, or what outlived the window, is given up (`UnrecoverableError`).
 */
export async function deliverWebhook(job: Job, token: string | undefined, deps: DeliverDeps): Promise<{ status: number }> {
  const data = parseWebhookJob(job.data);
  const now = deps.now ?? Date.now;
  if (await mustWaitForPrevious(job, data, deps.deliveries, now())) {
    // Back to the delayed set without counting an attempt: no worker slot is held while waiting.
    const poll = Math.min(Math.max((now() - job.timestamp) / 4, ORDER_POLL_MS.min), ORDER_POLL_MS.max);
    await job.moveToDelayed(now() + poll, token);
    throw new DelayedError();
  }
  const attempts = job.attemptsMade + 1;
  const log = deps.logger.child({ request_id: data.event.request_id, delivery_id: data.delivery_id });
  const tell = async (result: AttemptResult['result'], message: string) => {
    try {
      await deps.onAttempt?.(data, { result, message, atMs: now() });
    } catch (err) {
      log.error({ err }, 'webhook attempt listener failed');
    }
  };
  const receiver = await receiverOf(data, deps.webhooks);
  if ('refused' in receiver) {
    await deps.deliveries.recordAttempt(data.delivery_id, { status: 'failed', attempts, error: receiver.refused });
    await tell('refused', receiver.refused);
    log.warn({ reason: receiver.refused }, 'webhook delivery given up');
    throw new UnrecoverableError(receiver.refused);
  }
  const { body, contentType, headers: extra } = payloadOf(data.event);
  const headers = { ...extra, 'c2c-webhook-id': data.event.id, 'c2c-signature': signatureHeader(receiver.secret, Math.floor(now() / 1000), body) };
  const outcome = await deps.sender.post(receiver.url, body, headers, contentType);
  if (outcome.ok) {
    await deps.deliveries.recordAttempt(data.delivery_id, { status: 'succeeded', attempts, http_status: outcome.status });
    await tell('sent', `HTTP ${outcome.status} (attempt ${attempts})`);
    return { status: outcome.status };
  }
  const status = outcome.status === undefined ? {} : { http_status: outcome.status };
  const delay = outcome.final ? undefined : nextRetryDelayMs(attempts, job.timestamp, now(), deps.retryBaseMs);
  if (delay === undefined) {
    await deps.deliveries.recordAttempt(data.delivery_id, { status: 'failed', attempts, error: outcome.error, ...status });
    await tell(outcome.final ? 'refused' : 'failed', outcome.final ? outcome.error : `${outcome.error}; given up after ${attempts} attempts`);
    log.warn({ attempts, error: outcome.error }, 'webhook delivery given up');
    throw new UnrecoverableError(outcome.error);
  }
  const nextAt = new Date(now() + delay).toISOString();
  await deps.deliveries.recordAttempt(data.delivery_id, { status: 'retrying', attempts, error: outcome.error, next_retry_at: nextAt, ...status });
  await tell('retrying', `${outcome.error} (attempt ${attempts}); next attempt at ${nextAt}`);
  log.info({ attempts, error: outcome.error, retry_in_ms: delay }, 'webhook delivery failed, will retry');
  throw new RetryLater(outcome.error, delay);
}

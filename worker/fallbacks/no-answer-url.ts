/**
 * The `no_answer_url` fallback of Click-to-FindMe (SPEC §9): the reference's XML document, POSTed as
 * one more delivery of the `webhooks` queue. Everything a `status_callback` delivery has comes with
 * it (README "Webhooks"): the callback secret's signature, the SSRF guard, no redirects, retries with
 * backoff for 24 h, a record of each attempt listed by the admin API. This file only turns a report
 * into such a delivery, and a delivery's attempts back into outcomes for the status document.
 */
import type { Queue } from 'bullmq';
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { utcTime } from '../../shared/status/status-document.js';
import type { DeliveryLog } from '../../shared/webhooks/delivery-log.js';
import { noAnswerEventId, noAnswerUrlProblem, type NoAnswerEvent } from '../../shared/webhooks/no-answer-delivery.js';
import { parseWebhookJob, type WebhookJob } from '../../shared/webhooks/webhook-job.js';
import { displayUrl } from '../../shared/webhooks/webhook-settings.js';
import type { WebhookStore } from '../../shared/webhooks/webhook-store.js';
import type { AttemptResult } from '../webhooks/deliver-webhook.js';

/**
 * A fallback's outcome for channel `url`, as the status document records it: the shape of
 * shared/findme/no-answer-report.ts's FallbackOutcome, with the two results only a queued
 * delivery has (`queued`, `retrying`).
 */
export interface NoAnswerUrlOutcome {
  channel: 'url';
  /** The URL without its query (it may carry the receiver's token; the status document is the caller's to read). */
  to: string;
  result: 'queued' | 'sent' | 'retrying' | 'refused' | 'failed';
  message?: string;
  /** ISO 8601, when the outcome was known. */
  at: string;
}

/** Told of each attempt's outcome: the worker's composition root wires it to the status recorder. */
export type NoAnswerOutcomeListener = (requestId: string, outcome: NoAnswerUrlOutcome) => Promise<void>;

export interface NoAnswerPostDeps {
  webhooks: Pick<WebhookStore, 'load'>;
  deliveries: DeliveryLog;
  /** The `webhooks` queue (shard 0, like every webhook delivery). */
  queue: Queue;
  /** ALLOW_PRIVATE_WEBHOOK_ADDRESSES: `http://` is accepted only then. */
  allowHttp: boolean;
  now?: () => number;
}

const TOO_LARGE = 'the no-answer report is larger than a delivery carries (at most 100 attempts, values of at most 256 characters)';

function shown(url: string): string {
  return URL.canParse(url) ? displayUrl(url) : '(not a URL)';
}

/**
 * Queues the no-answer POST of `report` to `url`, checked again as the API checked it (the account's
 * callback_hosts may have changed since) and against the job contract: `queued`, or `refused` with
 * the reason. Idempotent: a request has one no-answer delivery (`noanswer_<request_id>`), so a
 * replayed hunt queues nothing twice. Redis failures throw.
 */
export async function queueNoAnswerPost(report: NoAnswerReport, url: string, deps: NoAnswerPostDeps): Promise<NoAnswerUrlOutcome> {
  const nowMs = (deps.now ?? Date.now)();
  const at = new Date(nowMs).toISOString();
  const { callback } = await deps.webhooks.load(report.accountId);
  const problem = noAnswerUrlProblem(url, callback, { allowHttp: deps.allowHttp });
  if (problem !== undefined) return { channel: 'url', to: shown(url), result: 'refused', message: problem, at };
  const event: NoAnswerEvent = {
    id: noAnswerEventId(report.requestId),
    type: 'findme.no_answer',
    request_id: report.requestId,
    phone_to_call: report.phoneToCall,
    attempts: report.attempts.map(({ called_number, call_result }) => ({ called_number, call_result })),
    'utc.time': utcTime(nowMs),
  };
  const job: WebhookJob = { delivery_id: event.id, account_id: report.accountId, target: { kind: 'no_answer_url', url }, event };
  try {
    parseWebhookJob(job);
  } catch {
    return { channel: 'url', to: shown(url), result: 'refused', message: TOO_LARGE, at };
  }
  await deps.deliveries.enqueue(deps.queue, [{ job, url }], new Date(nowMs));
  return { channel: 'url', to: shown(url), result: 'queued', at };
}

/** The webhook worker's attempt listener that reports no-answer deliveries (and ignores every other). */
export function noAnswerAttemptListener(onOutcome: NoAnswerOutcomeListener): (job: WebhookJob, attempt: AttemptResult) => Promise<void> {
  return async (job, attempt) => {
    if (job.target.kind !== 'no_answer_url') return;
    await onOutcome(job.event.request_id, { channel: 'url', to: shown(job.target.url), result: attempt.result, message: attempt.message, at: new Date(attempt.atMs).toISOString() });
  };
}

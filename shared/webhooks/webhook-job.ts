import { Ajv } from 'ajv';
import type { JobsOptions } from 'bullmq';
import type { NoAnswerEvent } from './no-answer-delivery.js';
import type { WebhookEvent } from './webhook-event.js';

/** The BullMQ queue of webhook deliveries: its own queue and worker, so no webhook ever waits behind or in front of a call. */
export const WEBHOOK_QUEUE = 'webhooks';

/** `status_callback` and `no_answer_url` are per-request URLs on the account's `callback_hosts`, signed with its callback secret. */
export type WebhookTarget = { kind: 'subscription'; subscription_id: string } | { kind: 'status_callback'; url: string } | { kind: 'no_answer_url'; url: string };

/** What a delivery carries: a state change (JSON), or a FindMe's no-answer report (the reference's XML). */
export type DeliveredEvent = WebhookEvent | NoAnswerEvent;

/**
 * One delivery of one event to one receiver. Like call jobs it carries references, never secrets:
 * the worker loads and decrypts the signing secret when it sends. The job id is the delivery id.
 */
export interface WebhookJob {
  delivery_id: string;
  account_id: string;
  target: WebhookTarget;
  event: DeliveredEvent;
  /** The delivery of the call's previous event to the same receiver: this one's first attempt waits for its first attempt. */
  after?: string;
}

/** Retries run for a day after the delivery was created; then the delivery is given up. */
export const RETRY_WINDOW_MS = 24 * 3600 * 1000;
/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 3600 * 1000;
/** A bound on attempts whatever the base (at the default base a day holds about 30). */
const MAX_ATTEMPTS = 200;

/** The wait after the `failedAttempts`-th failure: base × 2^(n-1), at most an hour. */
export function retryDelayMs(failedAttempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(failedAttempts - 1, 0), MAX_RETRY_DELAY_MS);
}

/** The wait before the next attempt, or undefined when it would start past the retry window. */
export function nextRetryDelayMs(failedAttempts: number, createdMs: number, nowMs: number, baseMs: number): number | undefined {
  const delay = retryDelayMs(failedAttempts, baseMs);
  return nowMs + delay > createdMs + RETRY_WINDOW_MS ? undefined : delay;
}

/** BullMQ's name for the backoff strategy the webhook worker defines. */
export const WEBHOOK_BACKOFF = 'webhook';

export function webhookJobOptions(deliveryId: string): JobsOptions {
  return {
    jobId: deliveryId,
    attempts: MAX_ATTEMPTS,
    backoff: { type: WEBHOOK_BACKOFF },
    // A finished job stays a while so that a replayed fan-out adding it again is a no-op.
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  };
}

const idPattern = '^[A-Za-z0-9_.-]{1,200}$';
const perRequestUrl = { type: 'string', maxLength: 2048 } as const;
// Bounds on what a no-answer report may carry: a FindMe list is short, numbers are short.
const text = { type: 'string', maxLength: 256 } as const;
const stateChanged = {
  type: 'object',
  required: ['id', 'type', 'request_id', 'state', 'event', 'utc.time'],
  properties: { id: { type: 'string', pattern: idPattern }, type: { const: 'call.state_changed' }, request_id: { type: 'string' }, state: { type: 'string' }, event: { type: 'object' }, 'utc.time': { type: 'string' } },
} as const;
const noAnswer = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'request_id', 'phone_to_call', 'attempts', 'utc.time'],
  properties: {
    id: { type: 'string', pattern: idPattern },
    type: { const: 'findme.no_answer' },
    request_id: { type: 'string' },
    phone_to_call: text,
    attempts: {
      type: 'array',
      maxItems: 100,
      items: { type: 'object', additionalProperties: false, required: ['called_number', 'call_result'], properties: { called_number: text, call_result: text } },
    },
    'utc.time': { type: 'string' },
  },
} as const;
const common = {
  delivery_id: { type: 'string', pattern: idPattern },
  after: { type: 'string', pattern: idPattern },
  account_id: { type: 'string', pattern: '^[A-Za-z0-9_]{1,64}$' },
} as const;
// Each kind of target carries its kind of event: a no-answer report goes to a no_answer_url only.
const schema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['delivery_id', 'account_id', 'target', 'event'],
      properties: {
        ...common,
        target: {
          oneOf: [
            { type: 'object', additionalProperties: false, required: ['kind', 'subscription_id'], properties: { kind: { const: 'subscription' }, subscription_id: { type: 'string', pattern: idPattern } } },
            { type: 'object', additionalProperties: false, required: ['kind', 'url'], properties: { kind: { const: 'status_callback' }, url: perRequestUrl } },
          ],
        },
        event: stateChanged,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['delivery_id', 'account_id', 'target', 'event'],
      properties: {
        ...common,
        target: { type: 'object', additionalProperties: false, required: ['kind', 'url'], properties: { kind: { const: 'no_answer_url' }, url: perRequestUrl } },
        event: noAnswer,
      },
    },
  ],
} as const;

const validate = new Ajv({ allErrors: true }).compile(schema);

/** Checks a webhook job on either side of the queue; throws naming what is wrong. */
export function parseWebhookJob(data: unknown): WebhookJob {
  if (!validate(data)) {
    const detail = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new Error(`invalid webhook job: ${detail}`);
  }
  return data as WebhookJob;
}

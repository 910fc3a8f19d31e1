import type { CallJob, RecordingWarning } from '../../shared/call-job.js';
import { FieldInput, FREE_TEXT_PATTERN, NUMBER_PATTERN, scalar } from './field-values.js';
import { isWebhookUrl, WEBHOOK_URL_MAX, WEBHOOK_URL_MESSAGE, WEBHOOK_URL_PATTERN } from '../../shared/webhooks/webhook-settings.js';

/** What the API's answer waits for (SPEC §8): the PBX's verdict, leg 1 answered, or both legs connected. */
export const WAIT_FOR = ['verdict', 'answered', 'connected'] as const;
export type WaitFor = (typeof WAIT_FOR)[number];


/** The options every entry point takes (SPEC §2 and §8), parsed once by `readCallOptions`. */
export interface CallOptions {
  timeout: number;
  wait: number | undefined;
  waitFor: WaitFor;
  firstCallerId?: string;
  secondCallerId?: string;
  page?: string;
  ref?: string;
  record: boolean;
  warning: RecordingWarning;
  idempotencyKey?: string;
  /** Where this request's state changes are also POSTed (SPEC §11); its host must be one of the account's callback_hosts. */
  statusCallback?: string;
}

export const MAX_WAIT_SECONDS = 130;
export const DEFAULT_TIMEOUT_SECONDS = 30;

const number = { type: 'string', pattern: NUMBER_PATTERN } as const;

/** The ajv properties of the call options, merged into each entry point's schema. */
export const CALL_OPTION_PROPERTIES = {
  timeout: { type: 'string', pattern: '^[0-9]{1,3}$' },
  wait: { type: 'string', pattern: '^[0-9]{1,3}$' },
  wait_for: { type: 'string', enum: WAIT_FOR },
  first_callerid: number,
  second_callerid: number,
  page: { type: 'string', maxLength: 255, pattern: FREE_TEXT_PATTERN },
  ref: { type: 'string', maxLength: 32, pattern: FREE_TEXT_PATTERN },
  record: { type: 'string', enum: ['0', '1'] },
  warning: { type: 'string', enum: ['0', '1', '2', '3'] },
  idempotency_key: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' },
  status_callback: { type: 'string', maxLength: WEBHOOK_URL_MAX, pattern: WEBHOOK_URL_PATTERN },
} as const;

const NUMBER_MESSAGE = 'must be a phone number: digits, optionally a leading +, * and # (spaces, dashes, dots and brackets are ignored), at most 32';

export const CALL_OPTION_MESSAGES: Record<string, string> = {
  timeout: 'timeout must be a whole number of seconds from 1 to 120',
  wait: `wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
  wait_for: 'wait_for must be one of verdict, answered, connected',
  first_callerid: `first_callerid ${NUMBER_MESSAGE}`,
  second_callerid: `second_callerid ${NUMBER_MESSAGE}`,
  page: 'page must be at most 255 characters without control characters',
  ref: 'ref must be at most 32 characters without control characters',
  record: 'record must be 0 or 1',
  warning: 'warning must be 0 (none), 1 (both parties), 2 (first leg only) or 3 (second leg only)',
  idempotency_key: 'idempotency_key must be 1-128 printable ASCII characters',
  status_callback: `status_callback ${WEBHOOK_URL_MESSAGE}`,
};

/** Puts the call option fields, normalised, into `input` for validation. */
export function takeCallOptionFields(fields: Record<string, unknown>, input: FieldInput): void {
  input.takeNumber('first_callerid', fields.first_callerid);
  input.takeNumber('second_callerid', fields.second_callerid);
  for (const name of ['timeout', 'wait', 'page', 'ref', 'record', 'warning', 'idempotency_key', 'status_callback']) input.take(name, scalar(fields[name]));
  input.take('wait_for', scalar(fields.wait_for)?.toLowerCase());
}

/**
 * The call options from validated input; range checks the schema cannot express land in `problems`.
 * `warning` defaults to 1 (both parties) when recording, as DialogTech's does, else 0.
 */
export function readCallOptions(values: Record<string, string>, problems: Set<string>): CallOptions {
  const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
  if (values.timeout !== undefined && (timeout < 1 || timeout > 120)) problems.add(CALL_OPTION_MESSAGES.timeout as string);
  const wait = values.wait === undefined ? undefined : Number(values.wait);
  if (wait !== undefined && wait > MAX_WAIT_SECONDS) problems.add(CALL_OPTION_MESSAGES.wait as string);
  const record = values.record === '1';
  const warning = (values.warning === undefined ? (record ? 1 : 0) : Number(values.warning)) as RecordingWarning;
  if (!record && warning !== 0) problems.add('warning needs record=1: the warning announces a recording');
  if (values.status_callback !== undefined && !isWebhookUrl(values.status_callback)) problems.add(CALL_OPTION_MESSAGES.status_callback as string);
  return {
    timeout,
    wait,
    waitFor: (values.wait_for as WaitFor | undefined) ?? 'verdict',
    record,
    warning,
    ...(values.first_callerid === undefined ? {} : { firstCallerId: values.first_callerid }),
    ...(values.second_callerid === undefined ? {} : { secondCallerId: values.second_callerid }),
    ...(values.page === undefined ? {} : { page: values.page }),
    ...(values.ref === undefined ? {} : { ref: values.ref }),
    ...(values.idempotency_key === undefined ? {} : { idempotencyKey: values.idempotency_key }),
    ...(values.status_callback === undefined ? {} : { statusCallback: values.status_callback }),
  };
}

/** The options as the status document's `request_data` lists them (and history and export read them). */
export function optionData(options: CallOptions): Record<string, unknown> {
  return {
    timeout: options.timeout,
    ...(options.waitFor === 'verdict' ? {} : { wait_for: options.waitFor }),
    ...(options.firstCallerId === undefined ? {} : { first_callerid: options.firstCallerId }),
    ...(options.secondCallerId === undefined ? {} : { second_callerid: options.secondCallerId }),
    ...(options.page === undefined ? {} : { page: options.page }),
    ...(options.ref === undefined ? {} : { ref: options.ref }),
    ...(options.record ? { record: 1, warning: options.warning } : {}),
    // The webhook fan-out reads it here (worker/webhooks/plan-deliveries.ts); the status store flags it.
    ...(options.statusCallback === undefined ? {} : { status_callback: options.statusCallback }),
  };
}

/** The options as the job carries them to the worker (shared/call-job.ts). */
export function jobOptions(options: CallOptions): Pick<CallJob, 'first_callerid' | 'second_callerid' | 'page' | 'ref' | 'record' | 'warning'> {
  return {
    ...(options.firstCallerId === undefined ? {} : { first_callerid: options.firstCallerId }),
    ...(options.secondCallerId === undefined ? {} : { second_callerid: options.secondCallerId }),
    ...(options.page === undefined ? {} : { page: options.page }),
    ...(options.ref === undefined ? {} : { ref: options.ref }),
    ...(options.record ? { record: true, warning: options.warning } : {}),
  };
}

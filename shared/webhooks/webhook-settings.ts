import { Ajv } from 'ajv';
import { AppError } from '../errors.js';
import { SUBSCRIBABLE_EVENTS } from './webhook-event.js';

/**
 * Where events may be POSTed: an http(s) URL of printable ASCII (IDN hosts in punycode), at most
 * 2048 characters, without `user:password@` (credentials in a URL end up in logs; the signature is
 * the receiver's proof). The same rule serves subscriptions and the per-request `status_callback`.
 */
export const WEBHOOK_URL_PATTERN = '^https?://[^\\x00-\\x20\\x7f-\\uffff/?#@]+([/?#][\\x21-\\x7e]*)?$';
export const WEBHOOK_URL_MAX = 2048;
export const WEBHOOK_URL_MESSAGE = `must be an http:// or https:// URL of at most ${WEBHOOK_URL_MAX} printable ASCII characters, without user:password@`;

const WEBHOOK_URL = new RegExp(WEBHOOK_URL_PATTERN, 'u');

/** True when `text` passes the rule above and parses as a URL. */
export function isWebhookUrl(text: string): boolean {
  return text.length <= WEBHOOK_URL_MAX && WEBHOOK_URL.test(text) && URL.canParse(text);
}

/** A URL as shown in listings: origin and path; a query may carry a receiver's token, so it is hidden. */
export function displayUrl(text: string): string {
  const url = new URL(text);
  return `${url.origin}${url.pathname}${url.search === '' ? '' : '?…'}`;
}

const SECRET = { type: 'string', pattern: '^[\\x21-\\x7e]{16,256}$' } as const;
const SECRET_MESSAGE = 'secret must be 16-256 printable ASCII characters without spaces (omit it to have one generated)';
// Host names as URL.hostname gives them (lower case), or a bracketed IPv6 literal.
const HOST_PATTERN = '^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$|^\\[[0-9a-f:.]{2,45}\\]$';

export const MAX_SUBSCRIPTIONS = 10;

/** `PUT /admin/v1/accounts/{id}/webhooks`: the whole list of the account's subscriptions. */
export const SUBSCRIPTIONS_SCHEMA = {
  type: 'array',
  maxItems: MAX_SUBSCRIPTIONS,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'events'],
    properties: {
      url: { type: 'string', maxLength: WEBHOOK_URL_MAX, pattern: WEBHOOK_URL_PATTERN },
      secret: SECRET,
      events: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: SUBSCRIBABLE_EVENTS } },
    },
  },
} as const;

/** `PUT /admin/v1/accounts/{id}/webhooks/callback-hosts`: where `status_callback` URLs may point. */
export const CALLBACK_HOSTS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['hosts'],
  properties: {
    hosts: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: HOST_PATTERN } },
    secret: SECRET,
  },
} as const;

const ajv = new Ajv({ allErrors: true });
const validateSubscriptions = ajv.compile(SUBSCRIPTIONS_SCHEMA);
const validateCallbackHosts = ajv.compile(CALLBACK_HOSTS_SCHEMA);

export interface SubscriptionInput {
  url: string;
  secret?: string;
  events: (typeof SUBSCRIBABLE_EVENTS)[number][];
}

export interface CallbackHostsInput {
  hosts: string[];
  secret?: string;
}

function problemsOf(errors: typeof validateSubscriptions.errors, subject: string): string {
  const problems = new Set<string>();
  for (const error of errors ?? []) {
    const field = error.instancePath.split('/').at(-1) ?? '';
    if (error.keyword === 'required') problems.add(`${String(error.params.missingProperty)} is required`);
    else if (error.keyword === 'additionalProperties') problems.add(`unknown field ${String(error.params.additionalProperty)}`);
    else if (field === 'url') problems.add(`url ${WEBHOOK_URL_MESSAGE}`);
    else if (field === 'secret') problems.add(SECRET_MESSAGE);
    else if (error.instancePath.includes('/events')) problems.add(`events must list one or more of ${SUBSCRIBABLE_EVENTS.join(', ')}`);
    else if (error.instancePath.includes('/hosts/')) problems.add('each host must be a host name (lower case, no port) or a bracketed IPv6 address');
    else problems.add(`${subject} ${error.message ?? 'is invalid'}`);
  }
  return [...problems].join('; ');
}

/** Validates a subscription list; throws one `invalid_request` naming every problem. */
export function parseSubscriptions(input: unknown): SubscriptionInput[] {
  if (!validateSubscriptions(input)) throw new AppError('invalid_request', `Send a JSON array of {"url","secret"?,"events":["state_changed"]}: ${problemsOf(validateSubscriptions.errors, 'the list')}`);
  const list = input as SubscriptionInput[];
  const bad = list.filter((entry) => !URL.canParse(entry.url));
  if (bad.length > 0) throw new AppError('invalid_request', `url ${WEBHOOK_URL_MESSAGE}`);
  const urls = list.map((entry) => new URL(entry.url).href);
  if (new Set(urls).size !== urls.length) throw new AppError('invalid_request', 'each url may be subscribed once');
  return list;
}

/** Validates the callback hosts (compared in lower case, as URL.hostname gives them). */
export function parseCallbackHosts(input: unknown): CallbackHostsInput {
  const lowered =
    input !== null && typeof input === 'object' && Array.isArray((input as { hosts?: unknown }).hosts)
      ? { ...(input as object), hosts: (input as { hosts: unknown[] }).hosts.map((host) => (typeof host === 'string' ? host.toLowerCase() : host)) }
      : input;
  if (!validateCallbackHosts(lowered)) throw new AppError('invalid_request', `Send {"hosts":["crm.example.com"],"secret"?}: ${problemsOf(validateCallbackHosts.errors, 'the body')}`);
  return lowered as CallbackHostsInput;
}

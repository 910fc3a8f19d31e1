/**
 * The grammar of `other` PBX templates (url, header values, body), in one place for the admin API,
 * which checks templates when they are set, and the worker, which fills them for each call:
 * `{dial_first}`-style call placeholders, and `{secret:NAME}` slots standing for a value of the
 * connection's `secrets`. Secrets live only in those slots (and in `auth`), so what is stored or
 * shown is the template with every slot rendered as REDACTED: redaction never depends on how a
 * parameter happens to be named.
 */
import { pbxUrlProblem } from './pbx-url.js';

export const SECRET_NAME = /^[a-z][a-z0-9_]{0,31}$/;
export const REDACTED = 'REDACTED';

export type Escape = (value: string) => string;

/** Escapers for each position a value can stand in. */
export const ESCAPE = {
  url: encodeURIComponent,
  json: (value: string) => JSON.stringify(value).slice(1, -1),
  form: (value: string) => encodeURIComponent(value).replace(/%20/g, '+'),
  // Header values and plain text: only characters that cannot break out of a line survive.
  text: (value: string) => value.replace(/[\x00-\x1f\x7f]/g, ''),
} satisfies Record<string, Escape>;

export interface SlotValues {
  /** Call placeholder values by name. */
  call: Readonly<Record<string, string>>;
  /** The value for `{secret:NAME}`; undefined leaves the slot as written. */
  secret: (name: string) => string | undefined;
}

// Secret names are matched loosely here so that a misspelt slot is found and refused when it is set.
const SLOT = /\{(?:secret:([^{}]*)|([a-z_]+))\}/g;

/**
 * Replaces every slot in one pass: a filled-in value is never scanned again, so a caller's value
 * that looks like `{secret:x}` stays text. Unknown call placeholders are left as written.
 */
export function fillSlots(template: string, values: SlotValues, escape: Escape): string {
  return template.replace(SLOT, (whole, secretName: string | undefined, name: string | undefined) => {
    const value =
      secretName !== undefined ? values.secret(secretName) : Object.hasOwn(values.call, name ?? '') ? values.call[name ?? ''] : undefined;
    return value === undefined ? whole : escape(value);
  });
}

/** The names inside every `{secret:…}` slot of a template, as written (valid or not). */
export function secretSlotNames(template: string): string[] {
  return [...template.matchAll(SLOT)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
}

/** Sample call values: what a template is checked with when it is set. */
export const SAMPLE_CALL: Readonly<Record<string, string>> = {
  dial_first: '1001',
  dial_second: '5550100',
  dial_as: '1001',
  timeout: '30',
  request_id: '00000000-0000-4000-8000-000000000000',
  first_callerid: '5550001',
  second_callerid: '5550002',
  page: 'https://shop.example/a,b?x="1"',
  ref: 'crm-42',
};

/** Every secret slot as REDACTED, whatever its name: the values for anything stored or shown. */
export const redactSecret = (): string => REDACTED;

export interface OtherTemplates {
  url: string;
  headers?: Record<string, string>;
  body?: string;
  secrets?: Record<string, string>;
  auth?: unknown;
}

// Headers that carry credentials by definition (RFC 9110, RFC 6265): their value must come from a slot.
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const WHERE_CREDENTIALS_GO = '`auth` or `secrets` (written {secret:NAME} where they are sent)';

/** Every problem with an `other` connection's templates, as messages naming the field; empty when fine. */
export function otherTemplateProblems(settings: OtherTemplates): string[] {
  const problems: string[] = [];
  const secrets = settings.secrets ?? {};
  const templates: [string, string][] = [
    ['/url', settings.url],
    ...Object.entries(settings.headers ?? {}).map(([name, value]): [string, string] => [`/headers/${name}`, value]),
    ...(settings.body === undefined ? [] : [['/body', settings.body] as [string, string]]),
  ];
  for (const [field, template] of templates) {
    for (const name of secretSlotNames(template)) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      if (!SECRET_NAME.test(name)) problems.push(`${field} has {secret:${shown}}: secret names are a-z, 0-9 and _, starting with a letter, at most 32 characters`);
      else if (!Object.hasOwn(secrets, name)) problems.push(`${field} refers to {secret:${name}}, which is not in secrets`);
    }
  }
  // The host is fixed when the connection is set: a placeholder there could send the call elsewhere.
  const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(settings.url)?.[1] ?? '';
  if (/[{}]/.test(authority)) problems.push('/url may have placeholders only in its path and query; the scheme, host and port are fixed');
  else {
    const sample = fillSlots(settings.url, { call: SAMPLE_CALL, secret: redactSecret }, ESCAPE.url);
    const problem = pbxUrlProblem(sample, WHERE_CREDENTIALS_GO);
    if (problem !== undefined) problems.push(`/url ${problem}${problem === 'is not a valid URL' ? ' once its placeholders are filled in' : ''}`);
  }
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) continue;
    if (settings.auth !== undefined && name.toLowerCase() === 'authorization') problems.push('/headers/Authorization: set either auth or an Authorization header, not both');
    else if (secretSlotNames(value).length === 0) problems.push(`/headers/${name} carries a credential: put it in ${WHERE_CREDENTIALS_GO}`);
  }
  return problems;
}

const SAFE_TEXT = { type: 'string', pattern: '^[^\\x00-\\x1f\\x7f]*$' } as const;

/**
 * The ajv properties of a templated HTTP request, one grammar for every kind of them (an `other`
 * PBX connection, an SMS gateway): what differs is the default method, the auth types and the timeout.
 */
export function httpTemplateProperties(options: { defaultMethod: 'GET' | 'POST'; authTypes: readonly string[]; maxTimeoutMs: number; defaultTimeoutMs: number }) {
  return {
    method: { enum: ['GET', 'POST'], default: options.defaultMethod },
    url: { type: 'string', pattern: '^https?://[^\\s]+$', maxLength: 4096 },
    headers: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$" },
      additionalProperties: { ...SAFE_TEXT, maxLength: 4096 },
    },
    body: { type: 'string', maxLength: 65536 },
    body_type: { enum: ['json', 'form', 'text'], default: 'json' },
    secrets: {
      type: 'object',
      maxProperties: 32,
      propertyNames: { pattern: SECRET_NAME.source },
      additionalProperties: { ...SAFE_TEXT, minLength: 1, maxLength: 4096 },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { enum: options.authTypes },
        username: { ...SAFE_TEXT, maxLength: 256 },
        password: { ...SAFE_TEXT, maxLength: 256 },
        token: { ...SAFE_TEXT, maxLength: 4096 },
      },
    },
    success_status: { type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 }, minItems: 2, maxItems: 2, default: [200, 299] },
    success_match: { type: 'string', maxLength: 1024 },
    timeout_ms: { type: 'integer', minimum: 100, maximum: options.maxTimeoutMs, default: options.defaultTimeoutMs },
  };
}

import { Ajv, type ErrorObject } from 'ajv';
import { AppError } from '../errors.js';
import { PBX_KINDS, type ConnectionFacts, type PbxKind } from '../accounts/pbx-settings.js';
import { checkPattern } from '../accounts/safe-pattern.js';
import { unsupportedOptions } from '../pbx-capabilities.js';

/**
 * A saved click-to-call endpoint (SPEC §10), with Kazoo's field names. Kazoo's whitelist is an
 * unanchored regex and its throttle is never enforced; here every whitelist pattern is anchored and
 * checked for catastrophic backtracking, and the throttle is enforced.
 */
export interface EndpointSettings {
  name: string;
  /** The account's fixed party: an extension of the PBX. */
  extension: string;
  /** Which side rings first: the saved `extension` (default) or the visitor's `contact`. */
  dial_first: 'extension' | 'contact';
  auth_required: boolean;
  /** Caller ID the contact's phone shows. */
  caller_id_number?: string;
  /** What the extension's phone shows as the party it is connected to. */
  outbound_callee_id_name?: string;
  outbound_callee_id_number?: string;
  timeout?: number;
  /** Connects a minute, enforced across instances. */
  throttle?: number;
  /** Patterns the contact must match, each anchored by the relay. */
  whitelist?: string[];
  /** Channel variables C2C_APP_<NAME> (names fixed by this prefix, never chosen freely). */
  custom_application_vars?: Record<string, string>;
  custom_sip_headers?: { in?: Record<string, string>; out?: Record<string, string> };
  music_on_hold?: { media_id?: string };
  ringback?: string;
  /** Ours: which of the account's PBX connections; default the account's default PBX. */
  pbx?: PbxKind;
  /** Ours: browser origins a public page may call `connect` from (`https://shop.example`). */
  allowed_origins?: string[];
  /** Ours: connect waits for the call to connect (Kazoo's blocking=true) unless the request says otherwise. */
  blocking: boolean;
}

export interface Endpoint extends EndpointSettings {
  id: string;
  account_id: string;
  created_at: string;
  updated_at: string;
}

const NUMBER = '^\\+?[0-9*#]{1,32}$';
const NAME = '^[A-Za-z0-9_-]{1,64}$';
const noControl = { type: 'string', pattern: '^[^\\x00-\\x1f\\x7f]*$' } as const;
const headerMap = { type: 'object', maxProperties: 20, propertyNames: { pattern: NAME }, additionalProperties: { ...noControl, maxLength: 256 } } as const;

export const ENDPOINT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'extension'],
  properties: {
    name: { ...noControl, minLength: 1, maxLength: 128 },
    extension: { type: 'string', pattern: NUMBER },
    dial_first: { enum: ['extension', 'contact'], default: 'extension' },
    auth_required: { type: 'boolean', default: true },
    caller_id_number: { type: 'string', pattern: NUMBER },
    outbound_callee_id_name: { type: 'string', pattern: '^[A-Za-z0-9 ._,:+-]{0,40}$' },
    outbound_callee_id_number: { type: 'string', pattern: NUMBER },
    timeout: { type: 'integer', minimum: 1, maximum: 120 },
    throttle: { type: 'integer', minimum: 1, maximum: 10000 },
    whitelist: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 200 } },
    custom_application_vars: { type: 'object', maxProperties: 20, propertyNames: { pattern: NAME }, additionalProperties: { ...noControl, maxLength: 256 } },
    custom_sip_headers: { type: 'object', additionalProperties: false, properties: { in: headerMap, out: headerMap } },
    music_on_hold: { type: 'object', additionalProperties: false, properties: { media_id: { type: 'string', pattern: NAME } } },
    ringback: { type: 'string', pattern: '^[A-Za-z0-9_/-]{1,128}$' },
    pbx: { enum: PBX_KINDS },
    allowed_origins: { type: 'array', maxItems: 20, items: { type: 'string', pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$' } },
    blocking: { type: 'boolean', default: false },
  },
} as const;

const validate = new Ajv({ allErrors: true, useDefaults: true }).compile(ENDPOINT_SCHEMA);

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}

/** What only some PBXes can do, by field: refused when the endpoint is saved, not when a visitor clicks. */
const PBX_ONLY_FIELDS: { field: keyof EndpointSettings; can: (kind: PbxKind) => boolean }[] = [
  { field: 'custom_application_vars', can: (kind) => kind === 'asterisk' },
  { field: 'custom_sip_headers', can: (kind) => kind === 'asterisk' },
  { field: 'music_on_hold', can: (kind) => kind === 'asterisk' },
  { field: 'ringback', can: (kind) => kind === 'asterisk' },
];

/**
 * The endpoint's caller IDs per leg: the contact's phone shows `caller_id_number`, the extension's
 * phone shows `outbound_callee_id_number`; which leg is which follows `dial_first`.
 */
export function endpointCallerIds(endpoint: EndpointSettings): { firstCallerId?: string; secondCallerId?: string } {
  const toContact = endpoint.caller_id_number;
  const toExtension = endpoint.outbound_callee_id_number;
  const [first, second] = endpoint.dial_first === 'contact' ? [toContact, toExtension] : [toExtension, toContact];
  return { ...(first === undefined ? {} : { firstCallerId: first }), ...(second === undefined ? {} : { secondCallerId: second }) };
}

/**
 * Validates (and fills defaults into) an endpoint for an account whose PBX connections are
 * `pbxKinds`; throws `invalid_request` naming every problem, `unsupported_option` for what the
 * endpoint's PBX cannot do, `pbx_not_configured` for a PBX the account does not have.
 */
export function parseEndpoint(input: unknown, account: { pbxKinds: readonly PbxKind[]; defaultPbx: PbxKind | undefined; facts: Partial<Record<PbxKind, ConnectionFacts>> | undefined }): EndpointSettings {
  const copy: unknown = structuredClone(input);
  if (!validate(copy)) throw new AppError('invalid_request', `Invalid click-to-call endpoint: ${describe(validate.errors)}`);
  const endpoint = copy as EndpointSettings;
  const problems: string[] = [];
  for (const [i, pattern] of (endpoint.whitelist ?? []).entries()) {
    try {
      checkPattern(anchored(pattern));
    } catch (err) {
      problems.push(`/whitelist/${i} ${(err as Error).message}`);
    }
  }
  if (!endpoint.auth_required && ((endpoint.whitelist ?? []).length === 0 || endpoint.throttle === undefined)) {
    problems.push('a public endpoint (auth_required: false) needs a non-empty whitelist and a throttle: without them anyone could ring any number through it');
  }
  if (problems.length > 0) throw new AppError('invalid_request', `Invalid click-to-call endpoint: ${problems.join('; ')}`);
  if (endpoint.custom_sip_headers?.in !== undefined && Object.keys(endpoint.custom_sip_headers.in).length > 0) {
    throw new AppError('unsupported_option', 'custom_sip_headers.in cannot be used: the relay only places calls outward, so there is no inbound call to add headers to; use custom_sip_headers.out.');
  }
  const pbx = endpoint.pbx ?? account.defaultPbx ?? 'asterisk';
  if (!account.pbxKinds.includes(pbx)) throw new AppError('pbx_not_configured', `The account has no ${pbx} PBX connection for this endpoint.`);
  const callerIds = endpointCallerIds(endpoint);
  const asked = { firstCallerId: callerIds.firstCallerId !== undefined, secondCallerId: callerIds.secondCallerId !== undefined, record: false };
  const unsupported = [
    ...PBX_ONLY_FIELDS.filter(({ field, can }) => endpoint[field] !== undefined && !can(pbx)).map(({ field }) => field),
    ...(unsupportedOptions(pbx, asked, account.facts?.[pbx]).length > 0 ? ['caller_id_number/outbound_callee_id_number'] : []),
  ];
  if (unsupported.length > 0) throw new AppError('unsupported_option', `${unsupported.join(', ')} cannot be used with the ${pbx} PBX.`);
  return endpoint;
}

/** A whitelist entry as the relay applies it: the whole contact must match (Kazoo's is a search). */
export function anchored(pattern: string): string {
  return `^(?:${pattern})$`;
}

/** The whitelist compiled once per endpoint version; an empty or absent list allows any contact (only with a key). */
export function compileWhitelist(whitelist: readonly string[] | undefined): RegExp[] {
  return (whitelist ?? []).map((pattern) => checkPattern(anchored(pattern)));
}

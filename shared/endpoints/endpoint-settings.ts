import { Ajv, type ErrorObject } from 'ajv';
import { AppError } from '../errors.js';
import { ORIGINATE_DATA_BLACKLIST, PBX_KINDS, type ConnectionFacts, type PbxKind } from '../accounts/pbx-settings.js';
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
  const asterisk = pbx === 'asterisk' ? asteriskProblems(endpoint) : [];
  if (asterisk.length > 0) throw new AppError('unsupported_option', `Cannot be used with the asterisk PBX: ${asterisk.join('; ')}.`);
  return endpoint;
}

/*
 * How the Asterisk driver carries an endpoint (README, "PBX connection: asterisk"), so that what it
 * cannot carry is refused here, when the endpoint is saved. The driver builds its Originate from
 * these same names and rules and checks them again before anything is sent.
 */

/** The channel variables an endpoint sets, all inherited (`__`) by every channel of both legs. */
export const ASTERISK_ENDPOINT_VARIABLES = {
  /** `custom_application_vars`: `__C2C_APP_<suffix>` (asteriskVariableSuffix). */
  application: (name: string) => `__C2C_APP_${asteriskVariableSuffix(name)}`,
  /** `custom_sip_headers.out`, handed to the PBX's pre-dial subroutine as numbered pairs (n = 1 … count). */
  headerCount: '__C2C_HDR_COUNT',
  headerName: (n: number) => `__C2C_HDR_${n}_NAME`,
  headerValue: (n: number) => `__C2C_HDR_${n}_VALUE`,
} as const;

/**
 * A `custom_application_vars` name as an Asterisk variable name: `-` becomes `_`, because Asterisk
 * variable names are meant to hold only letters, digits and `_` (inside `$[…]` a `-` is a minus).
 * Case is kept: Asterisk compares variable names case-sensitively.
 */
export function asteriskVariableSuffix(name: string): string {
  return name.replaceAll('-', '_');
}

export type AsteriskRingback = { kind: 'tone'; tone: string } | { kind: 'music'; musicClass: string };

/**
 * Kazoo's `ringback` (a tone or a media) on Asterisk, what leg 1 hears while leg 2 rings:
 * `tone/<name>` is a tone of the PBX's indications.conf zone, played with Dial `r(<name>)`
 * (`tone/ring` is the usual ringing); any other name is a music-on-hold class, played with Dial
 * `m(<class>)`: a class holding one recording is how Asterisk plays a media while a call rings.
 * Anything else has no Asterisk meaning: undefined.
 */
export function asteriskRingback(ringback: string): AsteriskRingback | undefined {
  const tone = /^tone\/([A-Za-z0-9_-]{1,64})$/.exec(ringback)?.[1];
  if (tone !== undefined) return { kind: 'tone', tone };
  return /^[A-Za-z0-9_-]{1,64}$/.test(ringback) ? { kind: 'music', musicClass: ringback } : undefined;
}

/** manager.c reads lines of at most 1024 bytes with their CRLF; the driver escapes `\`, `"` and `,` with a backslash. */
function fitsAmiLine(variable: string, value: string): boolean {
  return Buffer.byteLength(`Variable: ${variable}=${value.replace(/[\\",]/g, '\\$&')}\r\n`, 'utf8') <= 1024;
}

function asteriskProblems(endpoint: EndpointSettings): string[] {
  const problems: string[] = [];
  const bySuffix = new Map<string, string[]>();
  for (const [name, value] of Object.entries(endpoint.custom_application_vars ?? {})) {
    const variable = ASTERISK_ENDPOINT_VARIABLES.application(name);
    bySuffix.set(variable, [...(bySuffix.get(variable) ?? []), name]);
    if (!fitsAmiLine(variable, value)) problems.push(`custom_application_vars.${name} is too long for an AMI line once encoded as UTF-8`);
  }
  for (const [variable, names] of bySuffix) {
    if (names.length > 1) problems.push(`custom_application_vars ${names.map((n) => `"${n}"`).join(' and ')} would all be the channel variable ${variable.slice(2)} (a "-" becomes "_")`);
  }
  const headers = Object.entries(endpoint.custom_sip_headers?.out ?? {});
  for (const [name, value] of headers) {
    // The longest index the driver can use (20 headers at most), so the check holds whatever the order.
    if (!fitsAmiLine(ASTERISK_ENDPOINT_VARIABLES.headerValue(20), value)) problems.push(`custom_sip_headers.out.${name} is too long for an AMI line once encoded as UTF-8`);
  }
  if (headers.length > 0 && endpoint.dial_first === 'contact') {
    problems.push('custom_sip_headers.out with dial_first "contact": Asterisk adds the headers to the second leg (a pre-dial handler of its Dial), which is then the extension, not the contact');
  }
  if (endpoint.ringback !== undefined) {
    const mapped = asteriskRingback(endpoint.ringback);
    const word = ORIGINATE_DATA_BLACKLIST.find((w) => endpoint.ringback?.includes(w));
    if (mapped === undefined) problems.push('ringback must be "tone/<name>" (a tone of the PBX\'s indications.conf, Dial r()) or the name of a music-on-hold class (Dial m()), each 1-64 letters, digits, "_" or "-"');
    else if (word !== undefined) problems.push(`ringback must not contain "${word}": it goes into the Originate's Dial data, which Asterisk refuses when it holds ${ORIGINATE_DATA_BLACKLIST.join(', ')} unless the AMI user has the system class`);
  }
  return problems;
}

/** A whitelist entry as the relay applies it: the whole contact must match (Kazoo's is a search). */
export function anchored(pattern: string): string {
  return `^(?:${pattern})$`;
}

/** The whitelist compiled once per endpoint version; an empty or absent list allows any contact (only with a key). */
export function compileWhitelist(whitelist: readonly string[] | undefined): RegExp[] {
  return (whitelist ?? []).map((pattern) => checkPattern(anchored(pattern)));
}

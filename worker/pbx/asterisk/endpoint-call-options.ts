/**
 * What a saved click-to-call endpoint (SPEC §10) adds to the Originate. The names and the mapping
 * live with the save-time validation (shared/endpoints/endpoint-settings.ts, "How the Asterisk
 * driver carries an endpoint"); this module builds the headers and re-checks every value, because
 * a job is data from Redis and a CR or LF here would end the AMI line (asterisk-ami.md §5.1).
 *
 * - `application_vars` → `__C2C_APP_<name>` on both legs, escaped like C2C_PAGE.
 * - `sip_headers` → numbered pairs `__C2C_HDR_<n>_NAME` / `__C2C_HDR_<n>_VALUE` and
 *   `__C2C_HDR_COUNT`, read by the PBX's `c2c-relay-sip-headers` subroutine, which leg 2's Dial runs
 *   as its pre-dial handler `b()` on the new leg-2 channel. Values never enter the Dial data, whose
 *   `,` `(` `)` `^` would split them, nor any name Asterisk parses.
 * - `music_on_hold` → `CHANNEL(musicclass)` on leg 1's channel (a function write with a fixed name):
 *   Asterisk itself hands the class on to every channel of the call (core_unreal.c copies it to a
 *   Local channel's other half, app_dial.c gives it to each channel Dial creates without one), so a
 *   party put on hold hears it. FreePBX re-applies its own `MOHCLASS` when it dials extensions and
 *   outbound routes, and a route's own class wins unless MOHCLASS is set: on FreePBX also
 *   `__MOHCLASS`.
 * - `ringback` → Dial `r(<tone>)` or `m(<class>)` (asteriskRingback): what leg 1 hears while leg 2
 *   rings.
 */
import {
  ASTERISK_ENDPOINT_VARIABLES as NAMES,
  type AsteriskRingback,
  asteriskRingback,
} from '../../../shared/endpoints/endpoint-settings.js';
import { ORIGINATE_DATA_BLACKLIST } from '../../../shared/accounts/pbx-settings.js';
import type { EndpointCallSettings } from '../../../shared/call-job.js';
import { AppError } from '../../../shared/errors.js';
import type { AmiHeader } from './ami-codec.js';
import { variableHeader } from './channel-variables.js';

/** The dialplan context the PBX installs once for SIP headers (README); run by Dial `b()` at `s`, priority 1. */
export const SIP_HEADER_SUBROUTINE = 'c2c-relay-sip-headers';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_PAIRS = 20;
const MAX_VALUE_CHARS = 256;
/** C0 controls (CR, LF, NUL…) and DEL: refused at save time, refused again here. */
const CONTROL = /[\x00-\x1f\x7f]/;

export interface EndpointOriginate {
  /** `Variable` headers, fixed names only. */
  variables: AmiHeader[];
  /** Leg 2's pre-dial handler, when there are SIP headers to add. */
  preDialHandler?: { context: string; exten: string; priority: string };
  ringback?: AsteriskRingback;
}

function invalid(what: string): AppError {
  return new AppError('invalid_request', `Invalid ${what} for an Asterisk call.`);
}

function checkedPairs(pairs: Record<string, string> | undefined, field: string): [string, string][] {
  const entries = Object.entries(pairs ?? {});
  if (entries.length > MAX_PAIRS) throw invalid(`${field} (more than ${MAX_PAIRS})`);
  for (const [name, value] of entries) {
    if (!NAME.test(name)) throw invalid(`${field} name`);
    if (typeof value !== 'string' || CONTROL.test(value) || [...value].length > MAX_VALUE_CHARS) throw invalid(`${field}.${name} value`);
  }
  return entries;
}

export function endpointOriginate(endpoint: EndpointCallSettings | undefined, freepbx: boolean): EndpointOriginate {
  if (endpoint === undefined) return { variables: [] };
  const variables: AmiHeader[] = [];
  const seen = new Set<string>();
  for (const [name, value] of checkedPairs(endpoint.application_vars, 'custom_application_vars')) {
    const variable = NAMES.application(name);
    // Two names that differ only by "-" and "_" are one variable: refused when the endpoint was saved.
    if (seen.has(variable)) throw invalid(`custom_application_vars name ${name} (it collides with another)`);
    seen.add(variable);
    variables.push(variableHeader(variable, value, `custom_application_vars.${name}`));
  }
  const headers = checkedPairs(endpoint.sip_headers, 'custom_sip_headers.out');
  headers.forEach(([name, value], i) => {
    variables.push(variableHeader(NAMES.headerName(i + 1), name, `custom_sip_headers.out name ${name}`));
    variables.push(variableHeader(NAMES.headerValue(i + 1), value, `custom_sip_headers.out.${name}`));
  });
  if (headers.length > 0) variables.push(variableHeader(NAMES.headerCount, String(headers.length), 'custom_sip_headers.out'));
  if (endpoint.music_on_hold !== undefined) {
    if (!NAME.test(endpoint.music_on_hold)) throw invalid('music_on_hold');
    variables.push(variableHeader('CHANNEL(musicclass)', endpoint.music_on_hold, 'music_on_hold'));
    if (freepbx) variables.push(variableHeader('__MOHCLASS', endpoint.music_on_hold, 'music_on_hold'));
  }
  const ringback = endpoint.ringback === undefined ? undefined : asteriskRingback(endpoint.ringback);
  if (endpoint.ringback !== undefined && ringback === undefined) throw invalid('ringback');
  // It goes into the Dial data, which Asterisk refuses with these words unless the AMI user has `system`.
  if (ORIGINATE_DATA_BLACKLIST.some((word) => endpoint.ringback?.includes(word))) throw invalid('ringback');
  return {
    variables,
    ...(headers.length > 0 ? { preDialHandler: { context: SIP_HEADER_SUBROUTINE, exten: 's', priority: '1' } } : {}),
    ...(ringback === undefined ? {} : { ringback }),
  };
}

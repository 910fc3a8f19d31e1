/**
 * Pure construction of the click-to-call Originate (asterisk-ami.md §3.5). Every value is built
 * by the relay from validated parts; request data never chooses a header or variable name, and
 * there is no Application/Data path at all.
 */
import { AppError } from '../../../shared/errors.js';
import type { PlaceCall } from '../pbx-driver.js';
import type { AmiHeader } from './ami-codec.js';

const NUMBER = /^\+?[0-9*#]{1,32}$/;
const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;
const CALLER_NAME_MAX = 40;

export interface OriginatePlan {
  call: PlaceCall;
  actionId: string;
  /** `settings.channel`, e.g. `Local/{dial_first}@originate-skipvm`. */
  channelTemplate: string;
  /** Where leg 2 is dialed: the dial_as extension's outbound context. */
  context: string;
  callerIdName: string;
  callerIdNumber: string;
  /** FreePBX honours `TRUNK_RING_TIMER` as the trunk ring time of leg 2 (§3.7 option 2). */
  freepbx: boolean;
}

/** Uniqueids for the two halves of leg 1, so every later event of the call carries our id. */
export function channelIds(requestId: string): { leg1: string; leg2: string } {
  return { leg1: `c2c-${requestId}-1`, leg2: `c2c-${requestId}-2` };
}

/** Refuses anything the API should already have refused, before a byte is built. */
export function assertPlaceable(call: PlaceCall): void {
  const bad = (what: string) => new AppError('invalid_request', `Invalid ${what} for an Asterisk call.`);
  if (!REQUEST_ID.test(call.requestId)) throw bad('request id');
  if (!NUMBER.test(call.dialFirst)) throw bad('dial_first');
  if (!NUMBER.test(call.dialSecond)) throw bad('dial_second');
  if (!NUMBER.test(call.dialAs)) throw bad('dial_as');
  if (!Number.isInteger(call.timeoutSeconds) || call.timeoutSeconds < 1 || call.timeoutSeconds > 120) {
    throw bad('timeout');
  }
}

export function isCallerNumber(value: string): boolean {
  return NUMBER.test(value);
}

/**
 * The display name as Asterisk's callerid parser will read it back: printable ASCII without the
 * quote, angle brackets and backslash that would end or escape the quoted name (§5.2).
 */
export function sanitizeCallerName(name: string): string {
  return name
    .replace(/[^\x20-\x7e]|["<>\\]/g, '')
    .trim()
    .slice(0, CALLER_NAME_MAX)
    .trim();
}

export function buildCallerId(name: string, number: string): string {
  const clean = sanitizeCallerName(name);
  return clean === '' ? `<${number}>` : `"${clean}" <${number}>`;
}

/** Parses a PJSIP `callerid` option (`"Name" <num>`, `Name <num>`, `<num>` or `num`). */
export function parseCallerId(value: string): { name?: string; number?: string } {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === '<unknown>') return {};
  const bracketed = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (bracketed) {
    const name = (bracketed[1] ?? bracketed[2] ?? '').trim();
    const number = (bracketed[3] ?? '').trim();
    return { ...(name ? { name } : {}), ...(number ? { number } : {}) };
  }
  return NUMBER.test(trimmed) ? { number: trimmed } : { name: trimmed };
}

export function buildOriginate(plan: OriginatePlan): AmiHeader[] {
  const { call } = plan;
  const ids = channelIds(call.requestId);
  const channel = plan.channelTemplate.replaceAll('{dial_first}', call.dialFirst).replaceAll('{context}', plan.context);
  const headers: AmiHeader[] = [
    ['Action', 'Originate'],
    ['ActionID', plan.actionId],
    ['Channel', channel],
    ['Context', plan.context],
    ['Exten', call.dialSecond],
    ['Priority', '1'],
    ['Timeout', String(call.timeoutSeconds * 1000)],
    ['CallerID', buildCallerId(plan.callerIdName, plan.callerIdNumber)],
    ['Variable', `C2C_ID=${call.requestId}`],
  ];
  if (plan.freepbx) headers.push(['Variable', `TRUNK_RING_TIMER=${call.timeoutSeconds}`]);
  headers.push(['Async', 'true'], ['ChannelId', ids.leg1], ['OtherChannelId', ids.leg2]);
  return headers;
}

/**
 * Pure construction of the click-to-call Originate (asterisk-ami.md §3.5, §3.7). Every value is
 * built by the relay from validated parts; request data never chooses a header or variable name.
 *
 * Leg 1 answers, then runs `Dial` (the Application) to reach leg 2 through a Local channel in the
 * context the call is placed from, so leg 2 rings no longer than `timeout` whatever that context
 * does. `Context`/`Exten`/`Priority` are sent too: Asterisk then still refuses a number the context
 * cannot route ("Extension does not exist.") before anything rings, and runs the Application.
 * A saved endpoint adds variables and Dial options (endpoint-call-options.ts).
 */
import { AppError } from '../../../shared/errors.js';
import type { PlaceCall } from '../pbx-driver.js';
import type { AmiHeader } from './ami-codec.js';
import { callVariables, variableHeader } from './channel-variables.js';
import { dialData, warningPrompts } from './dial-data.js';
import { endpointOriginate } from './endpoint-call-options.js';
import type { RecordingPlan } from './recording.js';

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
  /** FreePBX decides who is calling from leg 2's caller-ID number and sets leg 2's outbound caller ID itself (§3.5). */
  freepbx: boolean;
  /** Set when the call is recorded (recording.ts). */
  recording?: RecordingPlan;
}

/** Uniqueids for the two halves of leg 1, so every later event of the call carries our id. */
export function channelIds(requestId: string, attempt?: number): { leg1: string; leg2: string } {
  const id = attempt === undefined || attempt === 1 ? requestId : `${requestId}-a${attempt}`;
  return { leg1: `c2c-${id}-1`, leg2: `c2c-${id}-2` };
}

/** Refuses anything the API should already have refused, before a byte is built. */
export function assertPlaceable(call: PlaceCall): void {
  const bad = (what: string) => new AppError('invalid_request', `Invalid ${what} for an Asterisk call.`);
  if (!REQUEST_ID.test(call.requestId)) throw bad('request id');
  if (!NUMBER.test(call.dialFirst)) throw bad('dial_first');
  if (!NUMBER.test(call.dialSecond)) throw bad('dial_second');
  if (!NUMBER.test(call.dialAs)) throw bad('dial_as');
  for (const leg of [call.leg1, call.leg2]) {
    if (leg !== undefined && (!leg.numbers.every((number) => NUMBER.test(number)) || !(leg.seconds >= 1 && leg.seconds <= 120))) throw bad('list of numbers');
  }
  if (!Number.isInteger(call.timeoutSeconds) || call.timeoutSeconds < 1 || call.timeoutSeconds > 120) {
    throw bad('timeout');
  }
  if (call.firstCallerId !== undefined && !NUMBER.test(call.firstCallerId)) throw bad('first_callerid');
  if (call.secondCallerId !== undefined && !NUMBER.test(call.secondCallerId)) throw bad('second_callerid');
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

/**
 * The caller-ID number leg 2's Dial must force (`f()`), if any. Leg 2 inherits leg 1's caller ID,
 * which is `first_callerid` when one is asked for; FreePBX must still see the dial_as number on
 * leg 2 to know who is calling, and gets `second_callerid` through TRUNKCIDOVERRIDE instead
 * (channel-variables.ts). Elsewhere the context decides who is calling and leg 2 simply goes out
 * with `second_callerid`. With neither option nothing is forced: leg 2 is placed as before.
 */
export function leg2CallerId(plan: Pick<OriginatePlan, 'call' | 'callerIdNumber' | 'freepbx'>): string | undefined {
  const { firstCallerId, secondCallerId } = plan.call;
  if (!plan.freepbx && secondCallerId !== undefined) return secondCallerId;
  return firstCallerId === undefined ? undefined : plan.callerIdNumber;
}

/** The README's ring-all context: its `s` extension Dials `${C2C_RINGALL}` for `${C2C_RING}` seconds. */
export const RING_ALL_CONTEXT = 'c2c-relay-ringall';

/** The README's hunt context: leg 2 Dials `${C2C_HUNT_1}` … `${C2C_HUNT_<C2C_HUNT_COUNT>}` in turn, `${C2C_RING}` seconds each. */
export const HUNT_CONTEXT = 'c2c-relay-hunt';

/** Leg 1's Dial gives a hunt this long beyond its numbers' ring time (each Dial's own setup). */
const HUNT_MARGIN_SECONDS = 5;

/**
 * A list rung in turn on leg 2: the hunt context's variables, inherited (`__`) because leg 2 is a
 * channel leg 1's Dial creates; each number's channel is a Local one in the call's context, as any leg 2.
 */
function huntOf(plan: OriginatePlan): { variables: AmiHeader[]; seconds: number } | undefined {
  const leg2 = plan.call.leg2;
  if (leg2?.inTurn !== true) return undefined;
  const variables = [
    variableHeader('__C2C_HUNT_COUNT', String(leg2.numbers.length), 'FindMe list'),
    ...leg2.numbers.map((number, i) => variableHeader(`__C2C_HUNT_${i + 1}`, `Local/${number}@${plan.context}`, 'FindMe list')),
    variableHeader('__C2C_RING', String(leg2.seconds), 'ring_seconds'),
  ];
  return { variables, seconds: Math.min(leg2.numbers.length * leg2.seconds + HUNT_MARGIN_SECONDS, 999) };
}

/** A Dial target may not carry what Dial's argument parser gives a meaning to (`&` `,` `(` `)` `^` `|` …). */
const DIAL_TARGET = /^[A-Za-z0-9_+*#/.@-]{1,120}$/;

function leg1Channel(plan: OriginatePlan, number: string): string {
  return plan.channelTemplate.replaceAll('{dial_first}', number).replaceAll('{context}', plan.context);
}

/**
 * Leg 1 as Asterisk is asked to ring it: the channel template for dial_first, or, for a list rung
 * first at once, the ring-all context with the list's channels (each from the template) in a
 * variable its Dial reads; the `;2` half of the Local channel has the Originate's variables.
 */
function leg1Of(plan: OriginatePlan): { channel: string; timeoutSeconds: number; variables: AmiHeader[] } {
  const { call } = plan;
  if (call.leg1 === undefined) return { channel: leg1Channel(plan, call.dialFirst), timeoutSeconds: call.timeoutSeconds, variables: [] };
  const targets = call.leg1.numbers.map((number) => leg1Channel(plan, number));
  if (!targets.every((target) => DIAL_TARGET.test(target))) throw new AppError('invalid_request', 'Invalid channel for a number rung at once.');
  return {
    channel: `Local/s@${RING_ALL_CONTEXT}`,
    timeoutSeconds: call.leg1.seconds,
    variables: [variableHeader('C2C_RINGALL', targets.join('&'), 'FindMe list'), variableHeader('C2C_RING', String(call.leg1.seconds), 'ring_seconds')],
  };
}

export function buildOriginate(plan: OriginatePlan): AmiHeader[] {
  const { call, recording } = plan;
  const ids = channelIds(call.requestId, call.attempt);
  const leg1 = leg1Of(plan);
  const hunt = huntOf(plan);
  const forced = leg2CallerId(plan);
  const endpoint = endpointOriginate(call.endpoint, plan.freepbx);
  const data = dialData({
    dialSecond: call.dialSecond,
    ...(call.leg2 === undefined ? {} : hunt === undefined ? { ringAll: call.leg2.numbers } : { huntContext: HUNT_CONTEXT }),
    context: plan.context,
    timeoutSeconds: hunt?.seconds ?? call.leg2?.seconds ?? call.timeoutSeconds,
    ...(forced === undefined ? {} : { forcedCallerId: forced }),
    ...(recording === undefined
      ? {}
      : { announce: warningPrompts(call.record?.warning ?? 1, recording.warningPrompt), calleeSubroutine: recording.subroutine }),
    ...(endpoint.preDialHandler === undefined ? {} : { preDialHandler: endpoint.preDialHandler }),
    ...(endpoint.ringback === undefined ? {} : { ringback: endpoint.ringback }),
  });
  return [
    ['Action', 'Originate'],
    ['ActionID', plan.actionId],
    ['Channel', leg1.channel],
    ['Context', plan.context],
    ['Exten', call.dialSecond],
    ['Priority', '1'],
    ['Timeout', String(leg1.timeoutSeconds * 1000)],
    // Leg 1's caller ID and connected line: what the dial_first phone shows.
    ['CallerID', buildCallerId(plan.callerIdName, call.firstCallerId ?? plan.callerIdNumber)],
    ['Application', 'Dial'],
    ['Data', data],
    ...callVariables(call, plan.freepbx),
    ...leg1.variables,
    ...(hunt?.variables ?? []),
    ...endpoint.variables,
    ['Async', 'true'],
    ['ChannelId', ids.leg1],
    ['OtherChannelId', ids.leg2],
  ];
}

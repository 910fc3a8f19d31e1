/**
 * The verdict on a call, as a pure function of everything its AMI events said — never of the order
 * they came in, which real Asterisk varies from call to call (asterisk-ami.md §5.6).
 *
 * Rules (the PBX's own signals first, OriginateResponse `Reason` only as the last resort, since a
 * busy PJSIP leg 1 gives Reason 0):
 * - Each channel of the call belongs to leg 1 (the Originate's two halves and what they dial) or
 *   to leg 2 (what leg 1's `;1` half dials, the other half of such a Local channel, and so on).
 * - A leg's cause is the most specific hangup cause among its channels: any cause but 0 (Unknown)
 *   and 16 (Normal Clearing) beats 16, and 0 is never reported. Between specific causes, the one
 *   agreeing with the DialStatus wins, then the lowest code.
 * - A leg's event comes from that cause (17 busy; 18, 19 no answer; others failed), else from its
 *   DialStatus (BUSY, NOANSWER, CONGESTION/CHANUNAVAIL = failed), else (leg 1) from Reason.
 * - Leg 2 answered (DialEnd ANSWER on leg 1's channel): `completed` once leg 1's channel hangs up.
 * - Leg 1 hung up while leg 2 still rang (DialEnd CANCEL): `completed` on leg 1, saying so.
 */
import type { CallEvent, CallEventName } from '../pbx-driver.js';
import { HUNT_CONTEXT } from './originate-action.js';

export interface CallIds {
  actionId: string;
  /** ChannelId we chose: Uniqueid of leg 1's `;1` half and Linkedid of every channel of the call. */
  leg1: string;
  /** OtherChannelId: Uniqueid of leg 1's `;2` half. */
  leg2: string;
}

export interface Cause {
  code: number;
  /** `17 User busy`: the PBX's own words. */
  text: string;
}

export interface ChannelFacts {
  name?: string;
  /** Set once its Hangup came. */
  cause?: Cause;
}

export interface DialFacts {
  /** Uniqueid of the dialing channel; absent for the Originate's own dial of leg 1. */
  caller?: string;
  /** DialEnd's DialStatus, once it came. */
  status?: string;
}

/** What the events of one call said so far; filled by call-progress.ts. */
export interface CallFacts {
  originate?: { success: boolean; reason: number };
  /** By Uniqueid. */
  channels: Map<string, ChannelFacts>;
  /** By the dialed channel's Uniqueid. */
  dials: Map<string, DialFacts>;
  /** The two halves of Local channels, both ways (from LocalBridge). */
  pairs: Map<string, string>;
}

export const LEG1_GAVE_UP = 'CANCEL: leg 1 hung up before leg 2 answered';

export function emptyFacts(): CallFacts {
  return { channels: new Map(), dials: new Map(), pairs: new Map() };
}

/** Q.850 cause → event; 0 and 16 say nothing about how a call failed. */
export function causeEvent(code: number | undefined): CallEventName | undefined {
  if (code === undefined || code === 0 || code === 16) return undefined;
  if (code === 17) return 'busy';
  if (code === 18 || code === 19) return 'no_answer';
  return 'failed';
}

/** DialEnd `DialStatus` → event of a failed dial; undefined for ANSWER, CANCEL and unknown words. */
export function dialStatusEvent(status: string | undefined): CallEventName | undefined {
  switch (status?.toUpperCase()) {
    case 'BUSY':
      return 'busy';
    case 'NOANSWER':
      return 'no_answer';
    case 'CONGESTION':
    case 'CHANUNAVAIL':
      return 'failed';
    default:
      return undefined;
  }
}

/** OriginateResponse `Reason` (AST_CONTROL_*) → event, for when nothing better is known. */
export function reasonEvent(reason: number): CallEventName {
  if (reason === 3) return 'no_answer';
  if (reason === 5) return 'busy';
  return 'failed';
}

export function leg1Answered(facts: CallFacts, ids: CallIds): boolean {
  if (facts.originate?.success) return true;
  const own = facts.dials.get(ids.leg1);
  if (own?.caller === undefined && own?.status?.toUpperCase() === 'ANSWER') return true;
  // Leg 1's channel only dials leg 2 once it runs the Originate's Application (Dial), i.e. answered.
  return leg2Dials(facts, ids).length > 0;
}

export function leg2Connected(facts: CallFacts, ids: CallIds): boolean {
  return leg2Dials(facts, ids).some((dial) => dial.status?.toUpperCase() === 'ANSWER');
}

function leg2Dials(facts: CallFacts, ids: CallIds): DialFacts[] {
  return [...facts.dials.values()].filter((dial) => dial.caller === ids.leg1);
}

/** Leg-2 DialStatus ranking: CANCEL says most (leg 1 gave up), then the callee's own answer. */
const LEG2_STATUS_RANK = ['CANCEL', 'BUSY', 'NOANSWER', 'CONGESTION', 'CHANUNAVAIL'];

function bestLeg2Status(facts: CallFacts, ids: CallIds): string | undefined {
  const statuses = leg2Dials(facts, ids).flatMap((dial) => (dial.status ? [dial.status.toUpperCase()] : []));
  const rank = (status: string) => {
    const index = LEG2_STATUS_RANK.indexOf(status);
    return index === -1 ? LEG2_STATUS_RANK.length : index;
  };
  return statuses.sort((x, y) => rank(x) - rank(y) || x.localeCompare(y))[0];
}

/**
 * Whether the call is over as far as its verdict goes. Not answered: the Originate failed, its dial
 * ended, or leg 1's channel hung up. Answered: leg 1's channel hung up (nothing more can be dialed),
 * or leg 2 ended as BUSY, NOANSWER or CANCEL — unlike CONGESTION and CHANUNAVAIL, after which a
 * dialplan may still try another trunk.
 */
export function callIsOver(facts: CallFacts, ids: CallIds): boolean {
  const leg1HungUp = facts.channels.get(ids.leg1)?.cause !== undefined;
  if (!leg1Answered(facts, ids)) {
    const own = facts.dials.get(ids.leg1)?.status;
    return facts.originate?.success === false || leg1HungUp || (own !== undefined && own.toUpperCase() !== 'ANSWER');
  }
  if (leg1HungUp) return true;
  if (leg2Connected(facts, ids)) return false;
  // Numbers rung at once: Dial goes on while any of them still rings.
  if (leg2Dials(facts, ids).some((dial) => dial.status === undefined)) return false;
  const status = bestLeg2Status(facts, ids);
  return status === 'CANCEL' || status === 'BUSY' || status === 'NOANSWER';
}

/** The verdict from everything known, with how each number ended when a leg rang several at once. */
export function verdict(facts: CallFacts, ids: CallIds): CallEvent {
  const event = legVerdict(facts, ids);
  const first = dialTargets(facts, ids.leg2, 1);
  const second = [...dialTargets(facts, ids.leg1, 2), ...huntCallers(facts).flatMap((caller) => dialTargets(facts, caller, 2))].filter((target) => target.number !== 's');
  // Only a leg that rang a list says how each number ended (a plain call's one leg-2 dial is its verdict already).
  const targets = [...first, ...(second.length > 1 ? second : [])];
  return targets.length > 0 ? { ...event, targets } : event;
}

/** The `;2` halves of the README's hunt context on leg 2: they Dial the list's numbers in turn. */
function huntCallers(facts: CallFacts): string[] {
  const half = (name = '') => name.startsWith(`Local/s@${HUNT_CONTEXT}-`) && name.endsWith(';2');
  return [...facts.channels.entries()].flatMap(([uniqueid, channel]) => (half(channel.name) ? [uniqueid] : []));
}

/**
 * The Local channels one channel dialed, by the number each names (`Local/<number>@context-…`), with
 * their DialStatus: leg 1's `;2` half dials a list rung first at once (the README's ring-all context),
 * leg 1's `;1` half dials leg 2 (one number, or several with Dial's `&`).
 */
function dialTargets(facts: CallFacts, caller: string, leg: 1 | 2): { number: string; status: string; leg: 1 | 2 }[] {
  return [...facts.dials.entries()].flatMap(([dest, dial]) => {
    const number = dial.caller === caller ? /^Local\/([^@]+)@/i.exec(facts.channels.get(dest)?.name ?? '')?.[1] : undefined;
    return number === undefined ? [] : [{ number, status: (dial.status ?? 'NOANSWER').toUpperCase(), leg }];
  });
}

/** The verdict from everything known; call it once `callIsOver` and the stragglers had their chance. */
function legVerdict(facts: CallFacts, ids: CallIds): CallEvent {
  const sides = channelSides(facts, ids);
  if (!leg1Answered(facts, ids)) {
    const status = dialStatusEvent(facts.dials.get(ids.leg1)?.status);
    const cause = pickCause(causesOf(facts, sides.leg1), status);
    const fallback = facts.originate ? reasonEvent(facts.originate.reason) : 'failed';
    return withCause({ event: causeEvent(cause?.code) ?? status ?? fallback, leg: 1 }, cause);
  }
  const leg1Cause = facts.channels.get(ids.leg1)?.cause;
  if (leg2Connected(facts, ids)) return withCause({ event: 'completed' }, leg1Cause);
  const best = bestLeg2Status(facts, ids);
  if (best === 'CANCEL') return { event: 'completed', leg: 1, cause: LEG1_GAVE_UP };
  const status = dialStatusEvent(best);
  const cause = pickCause(causesOf(facts, sides.leg2), status);
  // Leg 1 answered but leg 2 left no trace (no route, nothing dialed): say how leg 1 ended.
  if (best === undefined && cause === undefined) return withCause({ event: 'failed', leg: 2 }, leg1Cause);
  return withCause({ event: causeEvent(cause?.code) ?? status ?? 'failed', leg: 2 }, cause);
}

function withCause(event: CallEvent, cause: Cause | undefined): CallEvent {
  return cause && cause.code !== 0 ? { ...event, cause: cause.text } : event;
}

function causesOf(facts: CallFacts, side: Set<string>): Cause[] {
  return [...side].flatMap((id) => {
    const cause = facts.channels.get(id)?.cause;
    return cause ? [cause] : [];
  });
}

function pickCause(causes: Cause[], statusEvent: CallEventName | undefined): Cause | undefined {
  const known = causes.filter((cause) => cause.code !== 0);
  const specific = known.filter((cause) => cause.code !== 16);
  const agreeing = specific.filter((cause) => causeEvent(cause.code) === statusEvent);
  const pool = agreeing.length > 0 ? agreeing : specific.length > 0 ? specific : known;
  return [...pool].sort((x, y) => x.code - y.code || x.text.localeCompare(y.text))[0];
}

/**
 * Which channels belong to which leg: leg 1 is the Originate's two halves and whatever they dial;
 * leg 2 is whatever leg 1's `;1` half dials; the other half of a side's Local channel (paired by
 * LocalBridge or by its name, `…;1` ↔ `…;2`) is on the same side. Unrelated channels are on neither.
 */
export function channelSides(facts: CallFacts, ids: CallIds): { leg1: Set<string>; leg2: Set<string> } {
  const byName = new Map<string, string>();
  for (const [id, channel] of facts.channels) if (channel.name) byName.set(channel.name, id);
  const partner = (id: string): string | undefined => {
    const paired = facts.pairs.get(id);
    if (paired) return paired;
    const name = facts.channels.get(id)?.name;
    const other = name?.endsWith(';1') ? `${name.slice(0, -1)}2` : name?.endsWith(';2') ? `${name.slice(0, -1)}1` : undefined;
    return other === undefined ? undefined : byName.get(other);
  };
  const leg1 = new Set([ids.leg1, ids.leg2]);
  const leg2 = new Set<string>();
  for (const [dest, dial] of facts.dials) if (dial.caller === ids.leg1) leg2.add(dest);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [side, other] of [[leg1, leg2], [leg2, leg1]] as const) {
      const add = (id: string | undefined) => {
        if (id === undefined || side.has(id) || other.has(id)) return;
        side.add(id);
        grew = true;
      };
      for (const [dest, dial] of facts.dials) {
        if (dial.caller !== undefined && dial.caller !== ids.leg1 && side.has(dial.caller)) add(dest);
      }
      for (const id of [...side]) add(partner(id));
    }
  }
  return { leg1, leg2 };
}

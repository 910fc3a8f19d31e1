/**
 * Building blocks of the double's call model: the originated request, the parties (a Local
 * channel's two halves, or one direct channel), causes, and the event groups the live transcripts
 * show for a party coming up and going down.
 */
import type { DoubleCore } from './ami-session.js';
import type { ChannelVars } from './channel-vars.js';
import type { DialApp } from './dial-app.js';
import type { BurstStep } from './event-order.js';
import type { Cause, ChannelInfo } from './events.js';
import type { Header } from './wire.js';

export interface LegRequest {
  /** Set for Async originates: the OriginateResponse echoes it. */
  actionId: string | undefined;
  channel: string;
  context: string;
  exten: string;
  timeoutMs: number;
  callerId: string | undefined;
  /** Leg 1's channel variables, as the Originate's `Variable:` headers set them. */
  vars: ChannelVars;
  /** Leg 1's music-on-hold class (`CHANNEL(musicclass)` written by a `Variable:` header); '' when none. */
  musicClass: string;
  /** The Originate's Application and Data, when it has one (leg 1 then runs it instead of Context/Exten). */
  application: { name: string; data: string } | undefined;
  /** Set when that Application is Dial: leg 2 is then the channel it dials. */
  dial: DialApp | undefined;
  channelId: string | undefined;
  otherChannelId: string | undefined;
  /** Async only: synchronous originates produce no OriginateResponse (transcript j). */
  reportOutcome: boolean;
}

export const CAUSE = {
  unknown: [0, 'Unknown'],
  normal: [16, 'Normal Clearing'],
  busy: [17, 'User busy'],
  noanswer: [19, 'User alerting, no answer'],
  absent: [20, 'Subscriber absent'],
  rejected: [21, 'Call Rejected'],
  congestion: [34, 'Circuit/channel congestion'],
} as const satisfies Record<string, Cause>;

/** Where the transcripts' test PBX sends the second leg: `Dial(Local/${EXTEN}@phones)`. */
export const LEG2_DEVICE_CONTEXT = 'phones';

/** One dialed party: a Local channel (`one` = `;1`, `two` = `;2`) or a direct channel (`one` only). */
export interface Party {
  one: ChannelInfo;
  two: ChannelInfo | undefined;
  dialString: string;
  /** The Local `/n` option turns optimization off (LocalBridge `LocalOptimization`). */
  optimize: boolean;
}

export interface PartySpec {
  tech: string;
  number: string;
  context: string;
  options: string;
  uniqueid: string;
  otherUniqueid: string;
  linkedid: string;
  suffix: string;
}

export function createParty(spec: PartySpec): Party {
  const local = spec.tech.toLowerCase() === 'local';
  const base = local ? `Local/${spec.number}@${spec.context}-${spec.suffix}` : `${spec.tech}/${spec.number}-${spec.suffix}`;
  const one: ChannelInfo = {
    name: local ? `${base};1` : base, state: 0, cidNum: '<unknown>', cidName: '<unknown>', connNum: '<unknown>',
    connName: '<unknown>', context: spec.context, exten: spec.number, priority: 1, uniqueid: spec.uniqueid,
    linkedid: spec.linkedid, vars: {},
  };
  const two = local ? { ...one, name: `${base};2`, state: 4, uniqueid: spec.otherUniqueid, vars: {} } : undefined;
  return {
    one,
    two,
    dialString: local ? `${spec.number}@${spec.context}` : spec.number,
    optimize: !spec.options.toLowerCase().includes('n'),
  };
}

export function halves(party: Party): ChannelInfo[] {
  return party.two ? [party.one, party.two] : [party.one];
}

/**
 * Newchannel for each half, then caller ID, connected line and variables are applied (so only
 * Newchannel shows `C2C_ID=` empty), then LocalBridge joins the halves (transcripts a, c, k).
 */
export function partyComesUp(core: DoubleCore, party: Party, cid: { num: string; name: string }, vars: Record<string, string>): Header[][] {
  const events = halves(party).map((ch) => core.events.channelEvent('Newchannel', ch));
  for (const ch of halves(party)) Object.assign(ch, { cidNum: cid.num, cidName: cid.name, vars: { ...vars } });
  for (const ch of halves(party)) {
    // The `;2` half already carries the connected line crossed over from `;1`.
    if (ch === party.two) Object.assign(ch, { connNum: cid.num, connName: cid.name });
    events.push(core.events.newCallerid(ch));
    Object.assign(ch, { connNum: cid.num, connName: cid.name });
    events.push(core.events.channelEvent('NewConnectedLine', ch));
  }
  if (party.two) events.push(core.events.localBridge(party.one, party.two, party.one.context, party.one.exten, party.optimize));
  return events;
}

export const step = (chain: string, event: BurstStep['event']): BurstStep => ({ chain, event });

/** Several events of one chain, in order. */
export function chain(name: string, ...events: BurstStep['event'][]): BurstStep[] {
  return events.map((event) => step(name, event));
}

/**
 * How a channel asked to hang up goes down: an optional HangupRequest (another party asked), a
 * SoftHangupRequest (its own dialplan ends) and the Hangup with the final cause (transcripts a, b, c).
 */
export function goesDown(
  core: DoubleCore,
  ch: ChannelInfo,
  cause: Cause,
  requests: { request?: number; soft?: number } = {},
): BurstStep['event'][] {
  const events: BurstStep['event'][] = [];
  if (requests.request !== undefined) events.push(core.events.hangupRequest(ch, requests.request));
  if (requests.soft !== undefined) events.push(core.events.hangupRequest(ch, requests.soft, true));
  events.push(core.events.hangup(ch, cause));
  return events;
}

/**
 * The second leg, dialed by leg 1's `;1` half from the Originate's Context/Exten, as transcripts a
 * and e show it: a Local pair `Local/<exten>@phones` whose result is a DialEnd on leg 1's channel,
 * then the end of the call. Leg 1's party may hang up first (its outcome's `holdMs`); while leg 2
 * still rings that gives DialEnd CANCEL (no live transcript has it: modelled on a and e).
 */
import { randomUUID } from 'node:crypto';
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { CAUSE, chain, createParty, goesDown, LEG2_DEVICE_CONTEXT, type LegRequest, type Party, partyComesUp, step } from './call-parts.js';
import type { BurstStep } from './event-order.js';
import type { BridgeInfo, Cause, ChannelInfo } from './events.js';
import type { Header } from './wire.js';

/**
 * Builds leg 2's first events (they go out with leg 1's answer, so the OriginateResponse can float
 * among them) and plays the rest in the background. A callee that answers at once (`ringMs: 0`)
 * answers in that same burst: transcript f2 shows leg 2 already Up before the OriginateResponse.
 */
export function startLeg2(core: DoubleCore, req: LegRequest, a: Party, cid: { num: string; name: string }, leg1HoldMs: number | undefined): Header[][] {
  const outcome = core.options.leg2Outcomes?.[req.exten] ?? { kind: 'answer' };
  const b = createParty({
    tech: 'Local', number: req.exten, context: LEG2_DEVICE_CONTEXT, options: '', uniqueid: core.nextUniqueid(),
    otherUniqueid: core.nextUniqueid(), linkedid: a.one.linkedid, suffix: core.nextSuffix(),
  });
  // Variables set by the Originate are not inherited by the channels leg 1 dials.
  const setup = partyComesUp(core, b, cid, {});
  const rings = outcome.kind === 'noanswer' || outcome.kind === 'rejected';
  setup.push(core.events.dialBegin(a.one, b.one, b.dialString));
  if (rings) {
    b.one.state = 5;
    setup.push(core.events.channelEvent('Newstate', b.one), core.events.dialState(a.one, b.one, 'RINGING'));
  }
  const bridge: BridgeInfo = { uniqueid: randomUUID(), numChannels: 0 };
  const atOnce = outcome.kind === 'answer' && (outcome.ringMs ?? core.options.timing?.ringMs ?? 20) === 0;
  if (atOnce) setup.push(...bridged(core, a, b, bridge));
  void playLeg2(core, req, { a, b, bridge, answered: atOnce }, outcome, leg1HoldMs);
  return setup;
}

interface Leg2 {
  a: Party;
  b: Party;
  bridge: BridgeInfo;
  /** Leg 2 already answered in the burst of leg 1's answer. */
  answered: boolean;
}

async function playLeg2(core: DoubleCore, req: LegRequest, leg2: Leg2, outcome: CallOutcome, leg1HoldMs: number | undefined): Promise<void> {
  const { a, b, bridge } = leg2;
  const timing = core.options.timing ?? {};
  // FreePBX's trunk Dial rings for TRUNK_RING_TIMER seconds; a channel variable shadows the global.
  const ringTimer = Number(req.variables.TRUNK_RING_TIMER);
  const leg2RingMs = Number.isFinite(ringTimer) && ringTimer > 0 ? ringTimer * 1000 : (timing.leg2RingMs ?? 30_000);
  const ringMs = ('ringMs' in outcome ? outcome.ringMs : undefined) ?? timing.ringMs ?? 20;
  const resultAfter = outcome.kind === 'noanswer' ? leg2RingMs : outcome.kind === 'unavailable' ? 0 : ringMs;
  if (leg1HoldMs !== undefined && leg1HoldMs < resultAfter) {
    await core.delay(leg1HoldMs);
    return core.emit(cancelled(core, a, b));
  }
  await core.delay(resultAfter);
  if (outcome.kind !== 'answer') return core.emit(failed(core, a, b, outcome.kind));
  if (!leg2.answered) core.emitInOrder(bridged(core, a, b, bridge));
  const leg2Hold = outcome.holdMs ?? timing.holdMs ?? 5000;
  await core.delay(Math.min(leg2Hold, leg1HoldMs === undefined ? Infinity : leg1HoldMs - resultAfter));
  core.emit(bridgedCallEnds(core, a, b, bridge));
  core.emitInOrder([core.events.bridge('BridgeDestroy', bridge)]);
}

/** a: leg 2 answers, DialEnd ANSWER on leg 1's channel, both joined in a basic bridge. */
function bridged(core: DoubleCore, a: Party, b: Party, bridge: BridgeInfo): Header[][] {
  const two = b.two as ChannelInfo;
  b.one.state = 6;
  Object.assign(two, { state: 6, priority: 2 });
  const events = [core.events.channelEvent('Newstate', b.one), core.events.channelEvent('Newstate', two)];
  b.one.exten = '';
  events.push(core.events.dialEnd(a.one, b.one, 'ANSWER'), core.events.bridge('BridgeCreate', bridge));
  for (const ch of [b.one, a.one]) {
    bridge.numChannels += 1;
    events.push(core.events.bridgeMember('BridgeEnter', bridge, ch));
  }
  return events;
}

const leave = (core: DoubleCore, bridge: BridgeInfo, ch: ChannelInfo) => () => {
  bridge.numChannels -= 1;
  return core.events.bridgeMember('BridgeLeave', bridge, ch);
};

/** a: every half hangs up with cause 16; each `;1` leaves the bridge before its Hangup. */
function bridgedCallEnds(core: DoubleCore, a: Party, b: Party, bridge: BridgeInfo): BurstStep[] {
  const bTwo = b.two as ChannelInfo;
  const [aRequest, aSoft, aDown] = goesDown(core, a.one, CAUSE.normal, { request: 16, soft: 16 });
  const [bTwoSoft, bTwoDown] = goesDown(core, bTwo, CAUSE.normal, { soft: 16 });
  const [bRequest, bDown] = goesDown(core, b.one, CAUSE.normal, { request: 16 });
  const aTwo = a.two ? goesDown(core, a.two, CAUSE.normal, { soft: 16 }) : [];
  return [
    ...aTwo.slice(0, 1).map((event) => step('a2', event)),
    step('a1', aRequest!),
    ...aTwo.slice(1).map((event) => step('a2', event)),
    step('b2', bTwoSoft!),
    step('b1', bRequest!),
    step('b2', bTwoDown!),
    ...chain('a1', leave(core, bridge, a.one), aSoft!, aDown!),
    ...chain('b1', leave(core, bridge, b.one), bDown!),
  ];
}

interface Leg2Failure {
  dialStatus: string;
  one: Cause;
  two: Cause;
}

const LEG2_FAILURES: Record<Exclude<CallOutcome['kind'], 'answer'>, Leg2Failure> = {
  busy: { dialStatus: 'BUSY', one: CAUSE.unknown, two: CAUSE.busy },
  congestion: { dialStatus: 'CONGESTION', one: CAUSE.unknown, two: CAUSE.congestion },
  noanswer: { dialStatus: 'NOANSWER', one: CAUSE.noanswer, two: CAUSE.noanswer },
  rejected: { dialStatus: 'NOANSWER', one: CAUSE.rejected, two: CAUSE.rejected },
  // Invented: an unreachable callee behind the Local channel.
  unavailable: { dialStatus: 'CHANUNAVAIL', one: CAUSE.unknown, two: CAUSE.absent },
};

/**
 * e (busy; congestion alike): B;2 goes Busy, DialEnd on leg 1's channel, B;1 hangs up with 0 and
 * B;2 with the real cause, then leg 1's dialplan ends and both of its halves hang up with 16.
 * Rejected follows m (DialEnd NOANSWER, cause 21), no answer follows b (cause 19).
 */
function failed(core: DoubleCore, a: Party, b: Party, kind: keyof typeof LEG2_FAILURES): BurstStep[] {
  const failure = LEG2_FAILURES[kind];
  const bTwo = b.two as ChannelInfo;
  const dialEnd = step('dial', core.events.dialEnd(a.one, b.one, failure.dialStatus));
  if (kind === 'rejected') {
    const [soft, twoDown] = goesDown(core, bTwo, failure.two, { soft: 16 });
    const [request, oneDown] = goesDown(core, b.one, failure.one, { request: failure.one[0] });
    return [step('b2', soft!), step('b1', request!), step('b2', twoDown!), dialEnd, step('b1', oneDown!), ...leg1Ends(core, a)];
  }
  const busyState = kind === 'busy' || kind === 'congestion';
  if (busyState) Object.assign(bTwo, { state: 7, priority: 2 });
  // e: a Busy()/Congestion() half is asked to hang up with cause 0; b: a timed-out one with its cause.
  const [request, soft, twoDown] = goesDown(core, bTwo, failure.two, { request: busyState ? 0 : failure.two[0], soft: 16 });
  return [
    ...(busyState ? [step('b2', core.events.channelEvent('Newstate', bTwo))] : []),
    dialEnd,
    step('b2', request!),
    step('b1', core.events.hangup(b.one, failure.one)),
    ...chain('b2', soft!, twoDown!),
    ...leg1Ends(core, a),
  ];
}

/** Leg 1's dialplan goes on after the Dial and hangs up: both halves with 16 (transcript e). */
function leg1Ends(core: DoubleCore, a: Party): BurstStep[] {
  a.one.priority = 4;
  const [soft, down] = goesDown(core, a.one, CAUSE.normal, { soft: 16 });
  if (!a.two) return chain('a1', soft!, down!);
  const [request, twoSoft, twoDown] = goesDown(core, a.two, CAUSE.normal, { request: 16, soft: 16 });
  return [step('a1', soft!), step('a2', request!), step('a1', down!), ...chain('a2', twoSoft!, twoDown!)];
}

/** Leg 1's party hangs up while leg 2 rings: the Dial is cancelled and every half clears with 16. */
function cancelled(core: DoubleCore, a: Party, b: Party): BurstStep[] {
  const bTwo = b.two as ChannelInfo;
  const [aRequest, aDown] = goesDown(core, a.one, CAUSE.normal, { request: 16 });
  const [bRequest, bDown] = goesDown(core, b.one, CAUSE.normal, { request: 16 });
  return [
    ...(a.two ? chain('a2', ...goesDown(core, a.two, CAUSE.normal, { soft: 16 })) : []),
    step('a1', aRequest!),
    step('dial', core.events.dialEnd(a.one, b.one, 'CANCEL')),
    step('b1', bRequest!),
    ...chain('b2', ...goesDown(core, bTwo, CAUSE.normal, { soft: 16 })),
    step('b1', bDown!),
    step('a1', aDown!),
  ];
}

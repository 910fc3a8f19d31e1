/**
 * The second leg, dialed by leg 1's `;1` half (leg2-placement.ts says whom and how), as transcripts
 * a and e show it: a Local pair whose result is a DialEnd on leg 1's channel, then the end of the
 * call. Leg 1's party may hang up first (its outcome's `holdMs`); while leg 2 still rings that
 * gives DialEnd CANCEL (no live transcript has it: modelled on a and e).
 */
import { randomUUID } from 'node:crypto';
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { CAUSE, chain, createParty, goesDown, type LegRequest, type Party, partyComesUp, step } from './call-parts.js';
import type { BurstStep } from './event-order.js';
import type { BridgeInfo, Cause, ChannelInfo } from './events.js';
import { placeLeg2 } from './leg2-placement.js';
import { runPreDial } from './pre-dial.js';
import { legReceived, type ReceivedCall, type Ringback } from './received-call.js';
import { STANDARD_TONES } from './ami-double-options.js';
import type { Header } from './wire.js';

/**
 * Builds leg 2's first events (they go out with leg 1's answer, so the OriginateResponse can float
 * among them) and plays the rest in the background. A callee that answers at once (`ringMs: 0`)
 * answers in that same burst: transcript f2 shows leg 2 already Up before the OriginateResponse.
 */
export function startLeg2(
  core: DoubleCore,
  req: LegRequest,
  a: Party,
  cid: { num: string; name: string },
  leg1HoldMs: number | undefined,
  call: ReceivedCall,
): Header[][] {
  const placed = placeLeg2(core, req, cid);
  const { outcome } = placed;
  const b = createParty({
    tech: 'Local', number: placed.number, context: placed.context, options: '', uniqueid: core.nextUniqueid(),
    otherUniqueid: core.nextUniqueid(), linkedid: a.one.linkedid, suffix: core.nextSuffix(),
  });
  // Dial's pre-dial handler runs on the new `;1` half before the call; what it leaves goes with the channel.
  const preDial = req.dial ? runPreDial(core, req.dial, b.one.name, placed.calleeVars) : undefined;
  call.leg2 = legReceived(core, {
    // With Dial the callee's `;2` half runs the context; otherwise leg 1 runs it itself.
    channel: req.dial ? (b.two as ChannelInfo).name : a.one.name,
    callerIdNum: placed.callerId.num,
    callerIdName: placed.callerId.name,
    vars: placed.routingVars,
    context: req.dial ? placed.context : req.context,
    exten: placed.number,
    ringLimitMs: placed.ringLimitMs,
    // app_dial gives a new channel without a class the caller's; a Local channel copies it to `;2`.
    musicClass: req.musicClass,
    ...(preDial === undefined ? {} : { preDial: preDial.run, sipHeaders: preDial.headers }),
  });
  call.leg1.ringback = ringback(core, req);
  const setup = partyComesUp(core, b, placed.callerId, placed.calleeVars.view());
  const rings = outcome.kind === 'noanswer' || outcome.kind === 'rejected';
  setup.push(core.events.dialBegin(a.one, b.one, b.dialString));
  if (rings) {
    b.one.state = 5;
    setup.push(core.events.channelEvent('Newstate', b.one), core.events.dialState(a.one, b.one, 'RINGING'));
  }
  const leg2: Leg2 = { req, call, a, b, bridge: { uniqueid: randomUUID(), numChannels: 0 }, answered: false };
  if (outcome.kind === 'answer' && placed.afterMs === 0) {
    leg2.answered = true;
    setup.push(...bridged(core, leg2));
  }
  void playLeg2(core, leg2, outcome, placed.afterMs, leg1HoldMs);
  return setup;
}

/**
 * What leg 1 hears while leg 2 rings (app_dial.c): `m(class)` plays that class (the caller's own
 * without one), `r(tone)` a tone of the zone (an unknown one: a warning, then plain ringing), bare
 * `r` ringing; without either, whatever leg 2 sends back. Without Dial, leg 1's dialplan decides.
 */
function ringback(core: DoubleCore, req: LegRequest): Ringback {
  const heard = req.dial?.whileRinging;
  if (heard === undefined) return { kind: 'leg2' };
  if ('music' in heard) return { kind: 'music', musicClass: heard.music || req.musicClass || 'default' };
  const tones = core.options.indicationTones ?? STANDARD_TONES;
  return heard.tone !== '' && tones.includes(heard.tone) ? { kind: 'tone', tone: heard.tone } : { kind: 'ringing' };
}

interface Leg2 {
  req: LegRequest;
  call: ReceivedCall;
  a: Party;
  b: Party;
  bridge: BridgeInfo;
  /** Leg 2 already answered in the burst of leg 1's answer. */
  answered: boolean;
}

async function playLeg2(core: DoubleCore, leg2: Leg2, outcome: CallOutcome, afterMs: number, leg1HoldMs: number | undefined): Promise<void> {
  const { a, b, bridge, req, call } = leg2;
  const viaApp = req.dial !== undefined;
  if (leg1HoldMs !== undefined && leg1HoldMs < afterMs) {
    await core.delay(leg1HoldMs);
    core.emit(cancelled(core, a, b));
    return core.callEnded(call);
  }
  await core.delay(afterMs);
  if (outcome.kind !== 'answer') {
    core.emit(failed(core, a, b, outcome.kind, viaApp));
    return core.callEnded(call);
  }
  if (!leg2.answered) core.emitInOrder(bridged(core, leg2));
  const leg2Hold = outcome.holdMs ?? core.options.timing?.holdMs ?? 5000;
  await core.delay(Math.min(leg2Hold, leg1HoldMs === undefined ? Infinity : leg1HoldMs - afterMs));
  core.emit(bridgedCallEnds(core, leg2));
  core.emitInOrder([core.events.bridge('BridgeDestroy', bridge)]);
  core.callEnded(call);
}

/**
 * a: leg 2 answers, DialEnd ANSWER on leg 1's channel, both joined in a basic bridge. Before the
 * DialEnd, app_dial plays the `A()` prompts (no event reports them) and runs the `U()` Gosub on
 * the callee: the README's recording subroutine starts MixMonitor there (MixMonitorStart).
 */
function bridged(core: DoubleCore, leg2: Leg2): Header[][] {
  const { a, b, bridge, req, call } = leg2;
  const two = b.two as ChannelInfo;
  b.one.state = 6;
  Object.assign(two, { state: 6, priority: 2 });
  const events = [core.events.channelEvent('Newstate', b.one), core.events.channelEvent('Newstate', two)];
  const { called, calling } = req.dial?.announce ?? {};
  if (called !== undefined) call.leg2?.prompts.push(called);
  if (calling !== undefined) call.leg1.prompts.push(calling);
  call.recording = startRecording(core, req, b.one);
  if (call.recording) events.push(core.events.channelEvent('MixMonitorStart', b.one));
  b.one.exten = '';
  events.push(core.events.dialEnd(a.one, b.one, 'ANSWER'), core.events.bridge('BridgeCreate', bridge));
  for (const ch of [b.one, a.one]) {
    bridge.numChannels += 1;
    events.push(core.events.bridgeMember('BridgeEnter', bridge, ch));
  }
  return events;
}

/**
 * Dial's `U(context^arg…)` is `Gosub(context,s,1(arg…))` on the callee: nothing happens (Asterisk
 * logs that the Gosub failed and goes on) unless the context exists; the double knows what only
 * one context does, the README's recording subroutine.
 */
function startRecording(core: DoubleCore, req: LegRequest, callee: ChannelInfo): ReceivedCall['recording'] {
  const gosub = req.dial?.gosub;
  if (!gosub || gosub.context !== core.options.recordingSubroutine || !core.dialplan.exists(gosub.context, 's')) return undefined;
  const [id = '', format = ''] = gosub.args;
  // The subroutine keeps only these characters (FILTER), so the file stays in the monitor directory.
  const file = `c2c-${id.replace(/[^0-9a-f-]/g, '')}.${format.replace(/[^a-z0-9]/g, '')}`;
  const dir = core.options.monitorDir ?? '/var/spool/asterisk/monitor';
  return { channel: callee.name, file: `${dir}/${file}`, options: 'b', state: 'recording' };
}

const leave = (core: DoubleCore, bridge: BridgeInfo, ch: ChannelInfo) => () => {
  bridge.numChannels -= 1;
  return core.events.bridgeMember('BridgeLeave', bridge, ch);
};

/** a: every half hangs up with cause 16; each `;1` leaves the bridge before its Hangup. */
function bridgedCallEnds(core: DoubleCore, leg2: Leg2): BurstStep[] {
  const { a, b, bridge, call } = leg2;
  const bTwo = b.two as ChannelInfo;
  // MixMonitor stops as the recorded channel goes.
  const stopRecording = () => {
    if (call.recording) call.recording.state = 'stopped';
    return core.events.channelEvent('MixMonitorStop', b.one);
  };
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
    ...chain('b1', leave(core, bridge, b.one), ...(call.recording ? [stopRecording] : []), bDown!),
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
function failed(core: DoubleCore, a: Party, b: Party, kind: keyof typeof LEG2_FAILURES, viaApp: boolean): BurstStep[] {
  const failure = LEG2_FAILURES[kind];
  const bTwo = b.two as ChannelInfo;
  const dialEnd = step('dial', core.events.dialEnd(a.one, b.one, failure.dialStatus));
  if (kind === 'rejected') {
    const [soft, twoDown] = goesDown(core, bTwo, failure.two, { soft: 16 });
    const [request, oneDown] = goesDown(core, b.one, failure.one, { request: failure.one[0] });
    return [step('b2', soft!), step('b1', request!), step('b2', twoDown!), dialEnd, step('b1', oneDown!), ...leg1Ends(core, a, viaApp)];
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
    ...leg1Ends(core, a, viaApp),
  ];
}

/**
 * After leg 2's Dial, leg 1 ends and both halves clear with 16. At the Originate's Context/Exten its
 * dialplan goes on and hangs up (transcript e); after an Application, manager.c hangs it up as soon
 * as the application returns, with no dialplan to ask for it (modelled: no live transcript).
 */
export function leg1Ends(core: DoubleCore, a: Party, viaApp: boolean): BurstStep[] {
  if (viaApp) {
    const down = step('a1', core.events.hangup(a.one, CAUSE.normal));
    if (!a.two) return [down];
    const [request, twoSoft, twoDown] = goesDown(core, a.two, CAUSE.normal, { request: 16, soft: 16 });
    return [down, ...chain('a2', request!, twoSoft!, twoDown!)];
  }
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

/**
 * The events of a callee of leg 1's Dial and of leg 1 around it (transcripts a, b, e, m), shared by
 * the single target (leg2-simulation.ts) and Dial's `&` targets (ring-all.ts): the callee answers
 * and is bridged, fails on its own, or is cancelled, and leg 1 ends once Dial returns. Bursts are
 * chains (event-order.ts); a callee's chains carry a suffix so that several callees float apart.
 */
import type { CallOutcome } from './ami-double-options.js';
import { STANDARD_TONES } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { CAUSE, chain, createParty, goesDown, type LegRequest, type Party, step } from './call-parts.js';
import type { BurstStep } from './event-order.js';
import type { BridgeInfo, Cause, ChannelInfo } from './events.js';
import type { Leg2Placement } from './leg2-placement.js';
import { runPreDial } from './pre-dial.js';
import { type LegReceived, legReceived, type ReceivedCall, type Ringback } from './received-call.js';
import type { Header } from './wire.js';

export interface Leg2 {
  req: LegRequest;
  call: ReceivedCall;
  a: Party;
  /** The callee bridged with leg 1 (with several targets: the one that answered first). */
  b: Party;
  bridge: BridgeInfo;
  /** Already answered and joined (a single callee that answers at once does so in the burst of leg 1's answer). */
  answered: boolean;
}

/**
 * What leg 1 hears while leg 2 rings (app_dial.c): `m(class)` plays that class (the caller's own
 * without one), `r(tone)` a tone of the zone (an unknown one: a warning, then plain ringing), bare
 * `r` ringing; without either, whatever leg 2 sends back. Without Dial, leg 1's dialplan decides.
 */
export function ringback(core: DoubleCore, req: LegRequest): Ringback {
  const heard = req.dial?.whileRinging;
  if (heard === undefined) return { kind: 'leg2' };
  if ('music' in heard) return { kind: 'music', musicClass: heard.music || req.musicClass || 'default' };
  const tones = core.options.indicationTones ?? STANDARD_TONES;
  return heard.tone !== '' && tones.includes(heard.tone) ? { kind: 'tone', tone: heard.tone } : { kind: 'ringing' };
}

/** The callee answers: both halves of its Local channel go Up. */
export function answers(core: DoubleCore, b: Party): Header[][] {
  const two = b.two as ChannelInfo;
  b.one.state = 6;
  Object.assign(two, { state: 6, priority: 2 });
  return [core.events.channelEvent('Newstate', b.one), core.events.channelEvent('Newstate', two)];
}

/**
 * a: after the answer, app_dial sets DIALSTATUS, plays the `A()` prompts (no event reports them)
 * and runs the `U()` Gosub on the callee (the README's recording subroutine starts MixMonitor
 * there); then DialEnd ANSWER on leg 1's channel, and both join a basic bridge.
 */
export function joins(core: DoubleCore, leg2: Leg2): Header[][] {
  const { a, b, bridge, req, call } = leg2;
  const events: Header[][] = [];
  dialReturns(leg2, 'ANSWER');
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
 * app_dial sets DIALSTATUS on leg 1 as Dial returns, ANSWER already before the bridge (visible with
 * manager.conf `channelvars`); the double records it for tests.
 */
export function dialReturns(leg2: Pick<Leg2, 'a' | 'call'>, status: string): void {
  leg2.a.one.vars.DIALSTATUS = status;
  leg2.call.dialStatus = status;
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

/** The bridged call lasts `holdMs`, then every half hangs up and the bridge goes. */
export async function talkThenEnd(core: DoubleCore, leg2: Leg2, holdMs: number): Promise<void> {
  await core.delay(holdMs);
  core.emit(bridgedCallEnds(core, leg2));
  core.emitInOrder([core.events.bridge('BridgeDestroy', leg2.bridge)]);
  core.callEnded(leg2.call);
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

export type CalleeFailure = Exclude<CallOutcome['kind'], 'answer'>;

interface Leg2Failure {
  dialStatus: string;
  one: Cause;
  two: Cause;
}

const LEG2_FAILURES: Record<CalleeFailure, Leg2Failure> = {
  busy: { dialStatus: 'BUSY', one: CAUSE.unknown, two: CAUSE.busy },
  congestion: { dialStatus: 'CONGESTION', one: CAUSE.unknown, two: CAUSE.congestion },
  noanswer: { dialStatus: 'NOANSWER', one: CAUSE.noanswer, two: CAUSE.noanswer },
  rejected: { dialStatus: 'NOANSWER', one: CAUSE.rejected, two: CAUSE.rejected },
  // Invented: an unreachable callee behind the Local channel.
  unavailable: { dialStatus: 'CHANUNAVAIL', one: CAUSE.unknown, two: CAUSE.absent },
};

/** The DialStatus of the DialEnd a callee that fails on its own gets. */
export function calleeDialStatus(kind: CalleeFailure): string {
  return LEG2_FAILURES[kind].dialStatus;
}

/**
 * e (busy; congestion alike): B;2 goes Busy, DialEnd on leg 1's channel, B;1 hangs up with 0 and
 * B;2 with the real cause. Rejected follows m (DialEnd NOANSWER, cause 21), no answer follows b
 * (cause 19). The DialEnd is in chain `dial`, the halves in `b1`/`b2` + `suffix`.
 */
export function calleeFails(core: DoubleCore, a: Party, b: Party, kind: CalleeFailure, suffix = ''): BurstStep[] {
  const failure = LEG2_FAILURES[kind];
  const bTwo = b.two as ChannelInfo;
  const [b1, b2] = [`b1${suffix}`, `b2${suffix}`];
  const dialEnd = step('dial', core.events.dialEnd(a.one, b.one, failure.dialStatus));
  if (kind === 'rejected') {
    const [soft, twoDown] = goesDown(core, bTwo, failure.two, { soft: 16 });
    const [request, oneDown] = goesDown(core, b.one, failure.one, { request: failure.one[0] });
    return [step(b2, soft!), step(b1, request!), step(b2, twoDown!), dialEnd, step(b1, oneDown!)];
  }
  const busyState = kind === 'busy' || kind === 'congestion';
  if (busyState) Object.assign(bTwo, { state: 7, priority: 2 });
  // e: a Busy()/Congestion() half is asked to hang up with cause 0; b: a timed-out one with its cause.
  const [request, soft, twoDown] = goesDown(core, bTwo, failure.two, { request: busyState ? 0 : failure.two[0], soft: 16 });
  return [
    ...(busyState ? [step(b2, core.events.channelEvent('Newstate', bTwo))] : []),
    dialEnd,
    step(b2, request!),
    step(b1, core.events.hangup(b.one, failure.one)),
    ...chain(b2, soft!, twoDown!),
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

/**
 * Leg 1's party hangs up while its callees ring: wait_for_answer gives each DialEnd CANCEL, then
 * hanguptree clears them with leg 1's cause (16) and Dial returns DIALSTATUS CANCEL.
 */
export function cancelled(core: DoubleCore, leg2: Pick<Leg2, 'a' | 'call'>, callees: readonly { party: Party; suffix: string }[]): BurstStep[] {
  const { a } = leg2;
  const aRequest = core.events.hangupRequest(a.one, 16);
  const dialEnds = callees.map(({ party }) => step('dial', core.events.dialEnd(a.one, party.one, 'CANCEL')));
  const hangups = callees.flatMap(({ party: b, suffix }) => {
    const [bRequest, bDown] = goesDown(core, b.one, CAUSE.normal, { request: 16 });
    const bTwo = goesDown(core, b.two as ChannelInfo, CAUSE.normal, { soft: 16 });
    return [step(`b1${suffix}`, bRequest!), ...chain(`b2${suffix}`, ...bTwo), step(`b1${suffix}`, bDown!)];
  });
  dialReturns(leg2, 'CANCEL');
  return [
    ...(a.two ? chain('a2', ...goesDown(core, a.two, CAUSE.normal, { soft: 16 })) : []),
    step('a1', aRequest),
    ...dialEnds,
    ...hangups,
    step('a1', core.events.hangup(a.one, CAUSE.normal)),
  ];
}

/**
 * The Local channel Dial requests for one callee (leg 2 or one of Dial's `&` targets), with what
 * its party receives. Dial's `b()` pre-dial handler runs on each new `;1` half before the call
 * (dial_exec_full: ast_pre_call on every channel); what it leaves goes with the channel.
 */
export function newCallee(core: DoubleCore, req: LegRequest, a: Party, placed: Leg2Placement): { party: Party; received: LegReceived } {
  const party = createParty({
    tech: 'Local', number: placed.number, context: placed.context, options: '', uniqueid: core.nextUniqueid(),
    otherUniqueid: core.nextUniqueid(), linkedid: a.one.linkedid, suffix: core.nextSuffix(),
  });
  const here = { tech: 'Local', number: placed.number, context: placed.context };
  const preDial = req.dial ? runPreDial(core, { ...req.dial, target: here }, party.one.name, placed.calleeVars) : undefined;
  const received = legReceived(core, {
    // With Dial the callee's `;2` half runs the context; otherwise leg 1 runs it itself.
    channel: req.dial ? (party.two as ChannelInfo).name : a.one.name,
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
  return { party, received };
}

/**
 * Dial with several `&` targets (Click-to-FindMe "simultaneous"), as apps/app_dial.c plays it.
 * dial_exec_full requests a channel for every target, runs the `b()` pre-dial handler on each, then
 * calls them one after the other (a DialBegin each); wait_for_answer lets them ring at once. A
 * target that is busy, congested, rejects or is unreachable ends on its own (its own DialEnd and
 * hang-up, as a single callee would) while the others ring on. The first to answer wins:
 * publish_dial_end_event gives every other one DialEnd CANCEL and hanguptree hangs them up with
 * AST_CAUSE_ANSWERED_ELSEWHERE; the winner is joined with leg 1 as a single callee is. When Dial's
 * timeout passes first, every target still ringing gets DialEnd NOANSWER (wait_for_answer's
 * `wait_over`). Leg 1's DIALSTATUS is then the best of the outcomes (dial-status.ts). Each
 * target's outcome comes from `leg2Outcomes` by its number; every Dial option applies to all.
 */
import { randomUUID } from 'node:crypto';
import type { DoubleCore } from './ami-session.js';
import { chain, halves, type LegRequest, type Party, partyComesUp, step } from './call-parts.js';
import { dialStatusWithoutAnswer } from './dial-status.js';
import { type BurstStep, orderBurst } from './event-order.js';
import type { Cause, ChannelInfo } from './events.js';
import {
  answers, calleeDialStatus, calleeFails, type CalleeFailure, cancelled, dialReturns, joins, type Leg2, leg1Ends, newCallee, ringback,
  talkThenEnd,
} from './leg2-events.js';
import { type Leg2Placement, placeTargets } from './leg2-placement.js';
import type { ReceivedCall, TargetReceived } from './received-call.js';
import type { Header } from './wire.js';

/** hanguptree's cause for the targets that lost (AST_CAUSE_ANSWERED_ELSEWHERE, text from main/channel.c causes[]). */
const ANSWERED_ELSEWHERE: Cause = [26, 'Answered elsewhere'];

interface Target {
  placed: Leg2Placement;
  party: Party;
  received: TargetReceived;
  /** Suffix of its chains (event-order.ts): the first target's are named as a single callee's. */
  suffix: string;
}

interface RingAll {
  req: LegRequest;
  call: ReceivedCall;
  a: Party;
  /** In Dial order. */
  targets: Target[];
}

/**
 * As startLeg2: the first events go out with leg 1's answer; the rest plays in the background, even
 * a target's answer at once (`ringMs: 0`), which a single callee gives in that first burst.
 */
export function startRingAll(
  core: DoubleCore,
  req: LegRequest,
  a: Party,
  cid: { num: string; name: string },
  leg1HoldMs: number | undefined,
  call: ReceivedCall,
): Header[][] {
  const targets = placeTargets(core, req, cid).map((placed, i): Target => {
    const { party, received } = newCallee(core, req, a, placed);
    return { placed, party, received, suffix: i === 0 ? '' : `#${i + 1}` };
  });
  call.targets = targets.map((target) => target.received);
  call.leg2 = targets[0]?.received;
  call.leg1.ringback = ringback(core, req);
  // Every channel is requested first: Newchannel, then app_dial gives the `;1` half its caller ID
  // and connected line. Then each is called in turn: ast_call gives the `;2` half its own
  // (core_unreal.c ast_unreal_call_setup), LocalBridge follows (core_local.c local_call), then DialBegin.
  const requested: Header[][] = [];
  const called: Header[][] = [];
  for (const { placed, party } of targets) {
    const events = partyComesUp(core, party, placed.callerId, placed.calleeVars.view());
    const cut = halves(party).length + 2;
    requested.push(...events.slice(0, cut));
    called.push(...events.slice(cut), core.events.dialBegin(a.one, party.one, party.dialString));
  }
  void playRingAll(core, { req, call, a, targets }, leg1HoldMs);
  return [...requested, ...called];
}

/** As for a single callee: only a target scripted to ring out (or reject) shows Ringing. */
const rings = ({ placed }: Target) => placed.outcome.kind === 'noanswer' || placed.outcome.kind === 'rejected';

const inDialOrder = (ring: RingAll, some: readonly Target[]) => ring.targets.filter((target) => some.includes(target));

/** Plays the targets' outcomes in time order until one answers, all have ended, Dial times out or leg 1 hangs up. */
async function playRingAll(core: DoubleCore, ring: RingAll, leg1HoldMs: number | undefined): Promise<void> {
  const { a, call } = ring;
  // Each target's `;2` half runs in its own thread: their Ringing reaches Dial in any order, after the DialBegins.
  await core.delay(0);
  core.emit(ring.targets.filter(rings).flatMap(({ party, suffix }) => {
    party.one.state = 5;
    return chain(`b1${suffix}`, core.events.channelEvent('Newstate', party.one), core.events.dialState(a.one, party.one, 'RINGING'));
  }));
  // Still ringing, soonest outcome first; a tie goes in Dial order, as wait_for_answer walks its list.
  const going = [...ring.targets].sort((x, y) => x.placed.afterMs - y.placed.afterMs);
  const ended: CalleeFailure[] = [];
  const limit = ring.req.dial?.timeoutMs;
  let now = 0;
  for (let next = going[0]; next; next = going[0]) {
    const at = next.placed.afterMs;
    if (leg1HoldMs !== undefined && leg1HoldMs < at) {
      await core.delay(leg1HoldMs - now);
      const cancel = inDialOrder(ring, going);
      for (const target of cancel) target.received.dialStatus = 'CANCEL';
      // As a single callee's (leg2-events.ts), except that every `;1` half is hung up on Dial's
      // thread after all the DialEnds (hanguptree after publish_dial_end_event).
      core.emit(cancelled(core, ring, cancel).map((s) => (s.chain.startsWith('b1') ? { ...s, chain: 'dial' } : s)));
      return core.callEnded(call);
    }
    await core.delay(at - now);
    now = at;
    if (limit !== undefined && at >= limit) return timesOut(core, ring, inDialOrder(ring, going));
    going.shift();
    const { outcome } = next.placed;
    if (outcome.kind === 'answer') {
      const hold = outcome.holdMs ?? core.options.timing?.holdMs ?? 5000;
      return wins(core, ring, next, inDialOrder(ring, going), Math.min(hold, leg1HoldMs === undefined ? Infinity : leg1HoldMs - at));
    }
    ended.push(outcome.kind);
    next.received.dialStatus = calleeDialStatus(outcome.kind);
    const { dialThread, tail } = byThread(calleeFails(core, a, next.party, outcome.kind, next.suffix), next.suffix);
    core.emitInOrder(dialThread);
    if (going.length > 0) {
      core.emitInOrder(orderBurst(tail, undefined));
      continue;
    }
    // That was the last one: Dial returns and leg 1 is hung up while the `;2` half finishes.
    dialReturns(ring, dialStatusWithoutAnswer(ended, ring.targets.length));
    core.emit([...tail, ...leg1Ends(core, a, true)]);
    return core.callEnded(call);
  }
}

/**
 * The first to answer wins. In wait_for_answer its answer comes first, then DialEnd CANCEL for every
 * other target in Dial order; back in dial_exec_full, hanguptree hangs each up with cause 26 (its
 * `;2` half is asked to with the same cause by core_unreal.c), all on Dial's own thread, so in this
 * order. Only then is the winner joined (joins), while the losers' `;2` halves finish on their own.
 */
function wins(core: DoubleCore, ring: RingAll, winner: Target, losers: Target[], holdMs: number): Promise<void> {
  const { req, call, a } = ring;
  const leg2: Leg2 = { req, call, a, b: winner.party, bridge: { uniqueid: randomUUID(), numChannels: 0 }, answered: true };
  call.leg2 = winner.received;
  winner.received.dialStatus = 'ANSWER';
  const { dialThread, tails } = answeredFirst(core, a.one, winner.party, losers);
  core.emitInOrder(dialThread);
  for (const loser of losers) loser.received.dialStatus = 'CANCEL';
  core.emit([...joins(core, leg2).map((event) => step('dial', event)), ...tails]);
  return talkThenEnd(core, leg2, holdMs);
}

/**
 * The winner's answer and what Dial's thread then does to the others (`caller` is the channel
 * running Dial), in this order: DialEnd CANCEL each, then hanguptree's HangupRequest to each `;2`
 * half and the `;1` half's Hangup, cause 26. `tails`: each loser's `;2` half finishing on its own.
 * Also used by the README's ring-all context on leg 1 (leg1-ring-all.ts).
 */
export function answeredFirst(
  core: DoubleCore,
  caller: ChannelInfo,
  winner: Party,
  losers: readonly { party: Party; suffix: string }[],
): { dialThread: Header[][]; tails: BurstStep[] } {
  const lost = losers.map(({ party }) => party);
  const twos = lost.map((party) => party.two as ChannelInfo);
  return {
    dialThread: [
      ...answers(core, winner),
      ...lost.map((party) => core.events.dialEnd(caller, party.one, 'CANCEL')),
      ...lost.flatMap((party, i) => [core.events.hangupRequest(twos[i]!, 26), core.events.hangup(party.one, ANSWERED_ELSEWHERE)]),
    ],
    tails: losers.flatMap(({ suffix }, i) =>
      chain(`b2${suffix}`, core.events.hangupRequest(twos[i]!, 16, true), core.events.hangup(twos[i]!, ANSWERED_ELSEWHERE))),
  };
}

/**
 * A target's end as calleeFails lists it, split by thread: what Dial's thread publishes, up to the
 * `;1` half's Hangup (the DialEnd, then ast_hangup, whose Local channel asks the `;2` half to hang
 * up first), in that order; and what the `;2` half still does on its own thread afterwards.
 */
export function byThread(steps: BurstStep[], suffix: string): { dialThread: Header[][]; tail: BurstStep[] } {
  const last = steps.map((s) => s.chain).lastIndexOf(`b1${suffix}`);
  return { dialThread: orderBurst(steps.slice(0, last + 1), undefined), tail: steps.slice(last + 1) };
}

/**
 * Dial's timeout: wait_over gives DialEnd NOANSWER to every target still ringing, in Dial order,
 * then hanguptree hangs each up (cause 19, as the double's single-target timeout), all on Dial's
 * thread; then Dial returns and leg 1 is hung up while the `;2` halves finish on their own.
 */
function timesOut(core: DoubleCore, ring: RingAll, ringing: Target[]): void {
  for (const target of ringing) target.received.dialStatus = 'NOANSWER';
  const { dialThread, tails } = ringsOut(core, ring.a, ringing);
  core.emitInOrder(dialThread);
  dialReturns(ring, 'NOANSWER');
  core.emit([...tails, ...leg1Ends(core, ring.a, true)]);
  core.callEnded(ring.call);
}

/**
 * wait_over's part of a timeout, for the party `a` whose `;1` half runs Dial (or, for the README's
 * ring-all context, a party whose `one` is the `;2` half running it): every DialEnd NOANSWER,
 * then every hang-up on Dial's thread; `tails`: what the `;2` halves still do on their own.
 */
export function ringsOut(core: DoubleCore, a: Party, ringing: readonly { party: Party; suffix: string }[]): { dialThread: Header[][]; tails: BurstStep[] } {
  const ends = ringing.map(({ party, suffix }) => byThread(calleeFails(core, a, party, 'noanswer', suffix), suffix));
  // calleeFails lists a timed-out callee's DialEnd first.
  const [dialEnds, hangups] = [ends.map(({ dialThread }) => dialThread.slice(0, 1)), ends.map(({ dialThread }) => dialThread.slice(1))];
  return { dialThread: [...dialEnds.flat(), ...hangups.flat()], tails: ends.flatMap(({ tail }) => tail) };
}

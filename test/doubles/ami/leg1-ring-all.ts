/**
 * Leg 1 to the README's Click-to-FindMe "list first, all at once" context, installed as
 * `ringAllContext`:
 *   exten => s,1,Dial(${C2C_RINGALL},${C2C_RING})
 *    same => n,Hangup()
 * The relay originates `Local/s@<context>`. Its `;2` half has every variable the Originate set on
 * `;1`, plain ones too (core_unreal.c ast_unreal_call_setup copies the whole list), so it runs
 * Dial of the C2C_RINGALL targets, each scripted by `leg1Outcomes`, as ring-all.ts plays a Dial
 * with `&` targets but with `;2` as Dial's caller. The first target to answer makes `;2`, so `;1`,
 * answer: the Originate succeeds and its Application runs (call-simulation.ts). Otherwise:
 * - Dial returns (every target ended, or C2C_RING passed) and Hangup() hangs `;2` up with the cause
 *   Dial left on it (app_dial.c copies a target's cause when it hangs up or signals busy: 21 for a
 *   rejecting target, 0 for busy/congestion, which Hangup() turns into 16). Dial indicates no busy
 *   to its caller, so the Originate's dial sees a bare hang-up: Reason 0 (dial.c monitor_dial
 *   leaves the cause unset; pbx.c pbx_dial_reason), as for transcript m's `Hangup(21)`, never 5.
 * - the Originate's Timeout passes first: dial.c hangs `;1` up with cause 19 (Reason 3); `;2`
 *   gets the hang-up, so Dial cancels every target still ringing (DialEnd CANCEL, cause 19).
 * Modelled, not live: `;2` and the winner are not shown joining a bridge (no Bridge events), and
 * the winner hangs up (16) when the call ends, after leg 1's halves.
 */
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import type { Failure } from './call-simulation.js';
import { CAUSE, chain, createParty, goesDown, halves, type LegRequest, type Party, partyComesUp, step } from './call-parts.js';
import { parseDialApp } from './dial-app.js';
import { dialStatusWithoutAnswer } from './dial-status.js';
import { type BurstStep, orderBurst } from './event-order.js';
import type { Cause, ChannelInfo } from './events.js';
import { calleeDialStatus, calleeFails, type CalleeFailure } from './leg2-events.js';
import { legReceived, type ReceivedCall, type TargetReceived } from './received-call.js';
import { answeredFirst, byThread, ringsOut } from './ring-all.js';

interface Target {
  party: Party;
  outcome: CallOutcome;
  /** When its outcome happens after it is dialed (Infinity: rings until a timeout). */
  afterMs: number;
  received: TargetReceived;
  suffix: string;
}

export interface RingAllLeg1 {
  req: LegRequest;
  /** Leg 1, the Local channel to `s@<ringAllContext>`. */
  party: Party;
  cid: { num: string; name: string };
  call: ReceivedCall;
  orFailure: (reason: number) => BurstStep[];
  /** Leg 1's end when `;2` hangs up on its own (call-simulation.ts failureBurst). */
  failed: (failure: Failure) => BurstStep[];
}

/** Leg 1 goes to the installed ring-all context's `s` extension. */
export function ringsAll(core: DoubleCore, target: { tech: string; number: string; context: string; reachable: boolean }): boolean {
  const context = core.options.ringAllContext;
  return target.tech === 'Local' && target.reachable && context !== undefined && target.context === context && target.number === 's';
}

/**
 * Plays the `;2` half's Dial. Resolves, when a target answered, with the hold time of leg 1's
 * party (the winner's) and the core leg 2 must use (it hangs the winner up when the call ends);
 * otherwise emits leg 1's failure and resolves undefined.
 */
export async function ringAllTargets(core: DoubleCore, leg: RingAllLeg1): Promise<{ holdMs: number | undefined; core: DoubleCore } | undefined> {
  const { req, party, cid, call } = leg;
  const two = party.two as ChannelInfo;
  // `;2` as the caller of ring-all.ts's event builders (they name the caller `a.one`).
  const caller: Party = { one: two, two: undefined, dialString: '', optimize: true };
  const vars = req.vars;
  const dial = parseDialApp(`${vars.get('C2C_RINGALL') ?? ''},${vars.get('C2C_RING') ?? ''}`);
  const targetVars = vars.inherited();
  const dialMs = dial.timeoutMs ?? Infinity;
  const limitMs = Math.min(dialMs, req.timeoutMs);
  const targets = dial.targets.map((spec, i): Target => {
    const t = createParty({
      tech: 'Local', number: spec.number, context: spec.context, options: '', uniqueid: core.nextUniqueid(),
      otherUniqueid: core.nextUniqueid(), linkedid: party.one.linkedid, suffix: core.nextSuffix(),
    });
    const reachable = spec.tech.toLowerCase() === 'local' && core.dialplan.exists(spec.context, spec.number);
    const outcome: CallOutcome = reachable ? (core.options.leg1Outcomes?.[spec.number] ?? { kind: 'answer' }) : { kind: 'unavailable' };
    const ringMs = ('ringMs' in outcome ? outcome.ringMs : undefined) ?? core.options.timing?.ringMs ?? 20;
    const afterMs = outcome.kind === 'noanswer' ? Infinity : outcome.kind === 'unavailable' ? 0 : ringMs;
    const received = legReceived(core, {
      channel: (t.two as ChannelInfo).name, callerIdNum: cid.num, callerIdName: cid.name, vars: targetVars, context: spec.context,
      exten: spec.number, ringLimitMs: Number.isFinite(limitMs) ? limitMs : undefined, musicClass: req.musicClass,
    });
    return { party: t, outcome, afterMs, received, suffix: i === 0 ? '' : `#${i + 1}` };
  });
  call.leg1Targets = targets.map((target) => target.received);

  // As startRingAll: every channel is requested, then each is called (LocalBridge, DialBegin).
  const requested = targets.flatMap(({ party: t }) => partyComesUp(core, t, cid, targetVars.view()).slice(0, halves(t).length + 2));
  const called = targets.flatMap(({ party: t }) => [
    core.events.localBridge(t.one, t.two as ChannelInfo, t.one.context, t.one.exten, t.optimize),
    core.events.dialBegin(two, t.one, t.dialString),
  ]);
  core.emitInOrder([...requested, ...called]);
  await core.delay(0);
  const ringing = targets.filter(({ outcome }) => outcome.kind === 'noanswer' || outcome.kind === 'rejected');
  // app_dial indicates ringing to `;2`; the Local channel passes it to `;1`, the Originate's dial.
  const leg1Rings = ringing.length === 0 ? [] : (() => {
    party.one.state = 5;
    return chain('leg', core.events.channelEvent('Newstate', party.one), core.events.dialState(undefined, party.one, 'RINGING'));
  })();
  core.emit([
    ...ringing.flatMap(({ party: t, suffix }) => {
      t.one.state = 5;
      return chain(`b1${suffix}`, core.events.channelEvent('Newstate', t.one), core.events.dialState(two, t.one, 'RINGING'));
    }),
    ...leg1Rings,
  ]);

  const going = [...targets].sort((x, y) => x.afterMs - y.afterMs);
  const ended: CalleeFailure[] = [];
  // The cause app_dial last copied onto `;2` from a target (0 from a busy or congested one).
  let lastCause: Cause | undefined;
  let now = 0;
  while (going.length > 0) {
    const next = going[0] as Target;
    const at = Math.min(next.afterMs, limitMs);
    await core.delay(at - now);
    now = at;
    if (next.afterMs >= limitMs) {
      const still = targets.filter((target) => going.includes(target));
      if (dialMs < req.timeoutMs) return dialTimesOut(core, leg, caller, still, lastCause);
      return originateTimesOut(core, leg, still);
    }
    going.shift();
    const { outcome } = next;
    if (outcome.kind === 'answer') return wins(core, leg, next, targets.filter((target) => going.includes(target)));
    ended.push(outcome.kind);
    lastCause = outcome.kind === 'rejected' ? CAUSE.rejected : undefined;
    next.received.dialStatus = calleeDialStatus(outcome.kind);
    const { dialThread, tail } = byThread(calleeFails(core, caller, next.party, outcome.kind, next.suffix), next.suffix);
    core.emitInOrder(dialThread);
    core.emitInOrder(orderBurst(tail, undefined));
  }
  return dialReturns(core, leg, dialStatusWithoutAnswer(ended, targets.length), lastCause);
}

/** Dial returned without an answer; Hangup() (priority 2) hangs `;2` up with Dial's cause, else 16. */
function dialReturns(core: DoubleCore, leg: RingAllLeg1, status: string, cause: Cause | undefined): undefined {
  const two = leg.party.two as ChannelInfo;
  Object.assign(two, { priority: 2 });
  two.vars.DIALSTATUS = status;
  const final = cause ?? CAUSE.normal;
  // dial.c publishes the `;1` half's DialEnd from its cause (ast_hangup_cause_to_dial_status): 16 and 21 give NOANSWER.
  core.emit(leg.failed({ dialStatus: 'NOANSWER', one: final, two: final, reason: 0 }));
  return undefined;
}

/** C2C_RING passed: wait_over's NOANSWER for every target still ringing, then Dial returns. */
function dialTimesOut(core: DoubleCore, leg: RingAllLeg1, caller: Party, still: Target[], cause: Cause | undefined): undefined {
  for (const target of still) target.received.dialStatus = 'NOANSWER';
  const { dialThread, tails } = ringsOut(core, caller, still);
  core.emitInOrder(dialThread);
  core.emit(tails);
  return dialReturns(core, leg, 'NOANSWER', cause);
}

/**
 * The Originate's Timeout passed first: dial.c's timeout hangs `;1` up with cause 19 (no DialEnd),
 * the originate thread reports Reason 3; `;2` is asked to hang up with that cause, so its Dial
 * gives each target DialEnd CANCEL and hanguptree clears them with `;2`'s cause.
 */
function originateTimesOut(core: DoubleCore, leg: RingAllLeg1, still: Target[]): undefined {
  const { party } = leg;
  const two = party.two as ChannelInfo;
  for (const target of still) target.received.dialStatus = 'CANCEL';
  two.vars.DIALSTATUS = 'CANCEL';
  const cause = CAUSE.noanswer;
  const targetsDown = still.flatMap(({ party: t, suffix }) => [
    ...chain(`b1${suffix}`, ...goesDown(core, t.one, cause, { request: cause[0] })),
    ...chain(`b2${suffix}`, ...goesDown(core, t.two as ChannelInfo, cause, { soft: 16 })),
  ]);
  core.emit([
    step('one', core.events.hangup(party.one, cause)),
    ...leg.orFailure(3),
    step('two', core.events.hangupRequest(two, cause[0])),
    ...still.map(({ party: t }) => step('two', core.events.dialEnd(two, t.one, 'CANCEL'))),
    ...targetsDown,
    step('two', core.events.hangup(two, cause)),
  ]);
  return undefined;
}

/**
 * The first to answer wins (ring-all.ts answeredFirst: CANCEL and cause 26 for the others), then
 * DialEnd ANSWER on `;2`. The winner hangs up with 16 when leg 2's side ends the call.
 */
function wins(core: DoubleCore, leg: RingAllLeg1, winner: Target, losers: Target[]): { holdMs: number | undefined; core: DoubleCore } {
  const two = leg.party.two as ChannelInfo;
  const { dialThread, tails } = answeredFirst(core, two, winner.party, losers);
  for (const loser of losers) loser.received.dialStatus = 'CANCEL';
  winner.received.dialStatus = 'ANSWER';
  two.vars.DIALSTATUS = 'ANSWER';
  core.emitInOrder(dialThread);
  core.emit([step('dial', core.events.dialEnd(two, winner.party.one, 'ANSWER')), ...tails]);
  return { holdMs: winner.outcome.kind === 'answer' ? winner.outcome.holdMs : undefined, core: endsWithCall(core, winner.party) };
}

/**
 * The core to end a call with when a Local channel's `;2` half (running Dial in a README context)
 * is bridged with the `winner` it dialed: when the call ends, the winner hangs up too (16), its
 * `;2` half first, after the other halves. Also used by the README's hunt context (leg2-hunt.ts).
 */
export function endsWithCall(core: DoubleCore, winner: Party): DoubleCore {
  const { one, two: winnerTwo } = winner;
  return {
    ...core,
    callEnded(call) {
      const [soft, twoDown] = goesDown(core, winnerTwo as ChannelInfo, CAUSE.normal, { soft: 16 });
      const [request, oneDown] = goesDown(core, one, CAUSE.normal, { request: 16 });
      core.emit([step('w2', soft!), step('w1', request!), step('w2', twoDown!), step('w1', oneDown!)]);
      core.callEnded(call);
    },
  };
}

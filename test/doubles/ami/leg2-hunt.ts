/**
 * Leg 2 to the README's Click-to-FindMe "phone_to_call first, then the list in turn" context,
 * installed as `huntContext`:
 *   exten => s,1,Set(C2C_I=1)
 *    same => n(next),GotoIf($[${C2C_I} > ${C2C_HUNT_COUNT}]?end)
 *    same => n,Dial(${C2C_HUNT_${C2C_I}},${C2C_RING})
 *    same => n,GotoIf($["${DIALSTATUS}" = "ANSWER"]?end)
 *    same => n,Set(C2C_I=$[${C2C_I} + 1])
 *    same => n,Goto(next)
 *    same => n(end),Hangup()
 * Leg 1's Dial of `Local/s@<context>` makes that Local channel leg 2. Its halves have only what leg 1
 * passes on (`__` variables: ast_channel_inherit_variables), so without `__` the count is empty, no
 * GotoIf ever ends the loop and each Dial has no peer (app_dial "No devices or endpoints to dial",
 * CHANUNAVAIL, no event): nothing rings until leg 1's Dial gives up. Otherwise `;2` Dials each
 * target in turn (outcomes from `leg2Outcomes`), with the events of a single callee (leg2-events.ts)
 * but `;2` as the caller:
 * - a target that answers: the hunt's Dial publishes DialEnd ANSWER and bridges it with `;2`, which
 *   answers; so `;1` answers leg 1's Dial (DialEnd ANSWER, bridge, as joins).
 * - one that fails (its own DialEnd) or rings past C2C_RING (wait_over: NOANSWER): the next is dialed.
 * - after the last, Hangup() hangs `;2` up with the cause Dial last copied onto it (app_dial.c
 *   wait_for_answer: 21 from a rejecting target, 0 from a busy/congested one, none from a
 *   timeout), else 16 (pbx_builtins.c pbx_builtin_hangup). ast_unreal_hangup gives `;1` that cause
 *   and CHANLOCALSTATUS; leg 1's Dial reads the hang-up: DialEnd ast_hangup_cause_to_dial_status
 *   (16 and 21 give NOANSWER), handle_cause counts 21 as "no channel", so DIALSTATUS CHANUNAVAIL
 *   after a rejection, else NOANSWER.
 * - leg 1's Dial timeout (or leg 1's party hanging up) bounds it all: DialEnd NOANSWER (CANCEL) on
 *   leg 1's Dial, `;1` goes with cause 19 (16), `;2` is asked to hang up with it, so the hunt's Dial
 *   cancels the target ringing (DialEnd CANCEL) and hanguptree clears it with that cause.
 * Modelled, not live: `;2` and the answering target are not shown joining a bridge, and the target
 * hangs up (16) after the rest when the call ends; only a C2C_HUNT_<i>'s first `&` peer is dialed;
 * a target scripted `noanswer` rings until C2C_RING (its own context's ring time is ignored).
 */
import { randomUUID } from 'node:crypto';
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { CAUSE, chain, createParty, goesDown, type LegRequest, type Party, partyComesUp, step } from './call-parts.js';
import type { ChannelVars } from './channel-vars.js';
import { parseDialApp } from './dial-app.js';
import { dialStatusWithoutAnswer } from './dial-status.js';
import type { Cause, ChannelInfo } from './events.js';
import { endsWithCall } from './leg1-ring-all.js';
import {
  answers, calleeDialStatus, calleeFails, cancelled, dialReturns, joins, type Leg2, leg1Ends, newCallee, ringback, talkThenEnd,
} from './leg2-events.js';
import { placeLeg2 } from './leg2-placement.js';
import { legReceived, type ReceivedCall, type TargetReceived } from './received-call.js';
import { byThread, ringsOut } from './ring-all.js';
import type { Header } from './wire.js';

/** Leg 1's Dial goes to the installed hunt context's `s` extension, its only target. */
export function hunts(core: DoubleCore, req: LegRequest): boolean {
  const context = core.options.huntContext;
  const target = req.dial?.targets.length === 1 ? req.dial.target : undefined;
  return context !== undefined && target !== undefined && target.tech.toLowerCase() === 'local' && target.context === context &&
    target.number === 's' && core.dialplan.exists(context, 's');
}

interface Hunt {
  req: LegRequest;
  call: ReceivedCall;
  /** Leg 1. */
  a: Party;
  /** Leg 2: the Local channel to `s@<huntContext>`. */
  h: Party;
  /** `;2` as the caller of the targets' events (they name the caller `a.one`). */
  caller: Party;
  /** `;2`'s variables: what leg 1 passed on. */
  vars: ChannelVars;
  /** When leg 1's Dial timeout or leg 1's hang-up cuts the hunt, in ms after it began (Infinity: never). */
  cutAtMs: number;
  cutBy: 'timeout' | 'leg1';
  leg1HoldMs: number | undefined;
}

interface Target {
  party: Party;
  outcome: CallOutcome;
  received: TargetReceived;
  suffix: string;
}

/** As startLeg2: leg 2's first events go out with leg 1's answer, the hunt plays in the background. */
export function startHunt(
  core: DoubleCore,
  req: LegRequest,
  a: Party,
  cid: { num: string; name: string },
  leg1HoldMs: number | undefined,
  call: ReceivedCall,
): Header[][] {
  const placed = placeLeg2(core, req, cid);
  const { party: h, received } = newCallee(core, req, a, placed);
  call.leg2 = received;
  call.leg1.ringback = ringback(core, req);
  call.hunt = [];
  const setup = partyComesUp(core, h, placed.callerId, placed.calleeVars.view());
  setup.push(core.events.dialBegin(a.one, h.one, h.dialString));
  const timeoutMs = req.dial?.timeoutMs ?? Infinity;
  const cutBy = leg1HoldMs !== undefined && leg1HoldMs < timeoutMs ? 'leg1' : 'timeout';
  const caller: Party = { one: h.two as ChannelInfo, two: undefined, dialString: '', optimize: true };
  const hunt: Hunt = {
    req, call, a, h, caller, vars: placed.calleeVars, cutAtMs: Math.min(timeoutMs, leg1HoldMs ?? Infinity), cutBy, leg1HoldMs,
  };
  void playHunt(core, hunt, cid);
  return setup;
}

/** The `${C2C_HUNT_COUNT}` the GotoIf compares with; undefined when it is no number (the loop never ends). */
function huntCount(vars: ChannelVars): number | undefined {
  const text = (vars.get('C2C_HUNT_COUNT') ?? '').trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

async function playHunt(core: DoubleCore, hunt: Hunt, cid: { num: string; name: string }): Promise<void> {
  const { vars, h, a } = hunt;
  const count = huntCount(vars);
  // The cause app_dial last copied onto `;2` (undefined: 0, or none yet).
  let lastCause: Cause | undefined;
  let status = '';
  let now = 0;
  let ringingShown = false;
  await core.delay(0);
  for (let i = 1; count !== undefined && i <= count; i++) {
    const dial = parseDialApp(`${vars.get(`C2C_HUNT_${i}`) ?? ''},${vars.get('C2C_RING') ?? ''}`);
    const spec = dial.targets[0];
    if (!spec) {
      // Dial without a peer returns at once, CHANUNAVAIL, with no event.
      status = 'CHANUNAVAIL';
      continue;
    }
    const target = dialTarget(core, hunt, spec, dial.timeoutMs, cid, i);
    const ringMs = ('ringMs' in target.outcome ? target.outcome.ringMs : undefined) ?? core.options.timing?.ringMs ?? 20;
    const natural = target.outcome.kind === 'noanswer' ? Infinity : target.outcome.kind === 'unavailable' ? 0 : ringMs;
    const dialMs = dial.timeoutMs ?? Infinity;
    const endsAt = now + Math.min(natural, dialMs);
    if (!ringingShown && (target.outcome.kind === 'noanswer' || target.outcome.kind === 'rejected')) {
      // app_dial indicates the target's ringing to `;2`; the Local channel passes it to `;1`, leg 1's callee.
      ringingShown = true;
      h.one.state = 5;
      core.emitInOrder([core.events.channelEvent('Newstate', h.one), core.events.dialState(a.one, h.one, 'RINGING')]);
    }
    if (endsAt >= hunt.cutAtMs) return cut(core, hunt, target, now);
    await core.delay(endsAt - now);
    now = endsAt;
    const { outcome } = target;
    if (natural >= dialMs) {
      // C2C_RING passed: wait_over's NOANSWER, nothing copied onto `;2`.
      target.received.dialStatus = status = 'NOANSWER';
      const { dialThread, tails } = ringsOut(core, hunt.caller, [target]);
      core.emitInOrder(dialThread);
      core.emit(tails);
      continue;
    }
    if (outcome.kind === 'answer') return answered(core, hunt, target, now);
    target.received.dialStatus = calleeDialStatus(outcome.kind);
    status = dialStatusWithoutAnswer([outcome.kind], 1);
    lastCause = outcome.kind === 'rejected' ? CAUSE.rejected : undefined;
    const { dialThread, tail } = byThread(calleeFails(core, hunt.caller, target.party, outcome.kind, target.suffix), target.suffix);
    core.emitInOrder(dialThread);
    core.emit(tail);
  }
  if (count === undefined) return cut(core, hunt, undefined, now);
  (h.two as ChannelInfo).vars.DIALSTATUS = status;
  huntEnds(core, hunt, status, lastCause ?? CAUSE.normal);
}

/** The channel the hunt's Dial requests for C2C_HUNT_<i>, and its DialBegin (with Ringing when it rings). */
function dialTarget(
  core: DoubleCore,
  hunt: Hunt,
  spec: { tech: string; number: string; context: string },
  ringLimitMs: number | undefined,
  cid: { num: string; name: string },
  i: number,
): Target {
  const { h, caller } = hunt;
  const two = h.two as ChannelInfo;
  const party = createParty({
    tech: 'Local', number: spec.number, context: spec.context, options: '', uniqueid: core.nextUniqueid(),
    otherUniqueid: core.nextUniqueid(), linkedid: h.one.linkedid, suffix: core.nextSuffix(),
  });
  const reachable = spec.tech.toLowerCase() === 'local' && core.dialplan.exists(spec.context, spec.number);
  const outcome: CallOutcome = reachable ? (core.options.leg2Outcomes?.[spec.number] ?? { kind: 'answer' }) : { kind: 'unavailable' };
  // `;2` has the caller ID leg 1's Dial gave leg 2, and passes its `__` variables on again.
  const callerId = { num: two.cidNum, name: two.cidName };
  const targetVars = hunt.vars.inherited();
  const received = legReceived(core, {
    channel: (party.two as ChannelInfo).name, callerIdNum: callerId.num || cid.num, callerIdName: callerId.name || cid.name,
    vars: targetVars, context: spec.context, exten: spec.number, ringLimitMs, musicClass: hunt.req.musicClass,
  });
  hunt.call.hunt?.push(received);
  const events = partyComesUp(core, party, callerId, targetVars.view());
  events.push(core.events.dialBegin(caller.one, party.one, party.dialString));
  if (outcome.kind === 'noanswer' || outcome.kind === 'rejected') {
    party.one.state = 5;
    events.push(core.events.channelEvent('Newstate', party.one), core.events.dialState(caller.one, party.one, 'RINGING'));
  }
  core.emitInOrder(events);
  return { party, outcome, received, suffix: `#h${i}` };
}

/**
 * A target answers: its halves go Up and the hunt's Dial publishes DialEnd ANSWER; bridging it
 * answers `;2`, so `;1`; leg 1's Dial then has its answer (joins). The target hangs up when the call ends.
 */
function answered(core: DoubleCore, hunt: Hunt, target: Target, now: number): Promise<void> {
  const { req, call, a, h } = hunt;
  const two = h.two as ChannelInfo;
  target.received.dialStatus = 'ANSWER';
  two.vars.DIALSTATUS = 'ANSWER';
  const leg2: Leg2 = { req, call, a, b: h, bridge: { uniqueid: randomUUID(), numChannels: 0 }, answered: true };
  core.emitInOrder([
    ...answers(core, target.party),
    core.events.dialEnd(two, target.party.one, 'ANSWER'),
    ...answers(core, h),
    ...joins(core, leg2),
  ]);
  const outcome = target.outcome.kind === 'answer' ? target.outcome : undefined;
  const hold = outcome?.holdMs ?? core.options.timing?.holdMs ?? 5000;
  const leg1Left = hunt.leg1HoldMs === undefined ? Infinity : hunt.leg1HoldMs - now;
  return talkThenEnd(endsWithCall(core, target.party), leg2, Math.min(hold, leg1Left));
}

/**
 * Hangup() after the last target: `;2` goes with `cause` (SoftHangupRequest 16 is the flag
 * AST_SOFTHANGUP_EXPLICIT), `;1` is asked to with it, leg 1's Dial publishes DialEnd NOANSWER
 * (16 and 21 both map to it) and hangs `;1` up; Dial returns and leg 1 ends.
 */
function huntEnds(core: DoubleCore, hunt: Hunt, huntStatus: string, cause: Cause): void {
  const { a, h, call } = hunt;
  const two = h.two as ChannelInfo;
  Object.assign(two, { priority: 7 });
  h.one.vars.CHANLOCALSTATUS = huntStatus;
  const [soft, twoDown] = goesDown(core, two, cause, { soft: 16 });
  const [request, oneDown] = goesDown(core, h.one, cause, { request: cause[0] });
  // Leg 1's Dial reads the hang-up queued on `;1` (so after its HangupRequest), then hangs it up.
  core.emit([...chain('b2', soft!, twoDown!), ...chain('b1', request!, core.events.dialEnd(a.one, h.one, 'NOANSWER'), oneDown!)]);
  // handle_cause: 21 counts as "no channel", 16 as nothing.
  dialReturns(hunt, cause[0] === CAUSE.rejected[0] ? 'CHANUNAVAIL' : 'NOANSWER');
  core.emit(leg1Ends(core, a, true));
  core.callEnded(call);
}

/**
 * Leg 1's Dial timeout (DialEnd NOANSWER, cause 19) or leg 1's hang-up (DialEnd CANCEL, cause 16)
 * comes while `target` rings (or while the loop dials nobody): `;1` goes, `;2` is asked to hang up
 * with its cause, so the hunt's Dial gives the target DialEnd CANCEL and hanguptree clears it.
 */
async function cut(core: DoubleCore, hunt: Hunt, target: Target | undefined, now: number): Promise<void> {
  if (!Number.isFinite(hunt.cutAtMs)) return;
  await core.delay(hunt.cutAtMs - now);
  const { a, h, call } = hunt;
  const two = h.two as ChannelInfo;
  const cause = hunt.cutBy === 'timeout' ? CAUSE.noanswer : CAUSE.normal;
  if (target) target.received.dialStatus = 'CANCEL';
  two.vars.DIALSTATUS = 'CANCEL';
  const targetDown = target
    ? [
      // Dial's thread, `;2`'s: DialEnd CANCEL, then hanguptree hangs the target's `;1` up.
      step('b2', core.events.dialEnd(two, target.party.one, 'CANCEL')),
      ...chain('b2', ...goesDown(core, target.party.one, cause, { request: cause[0] })),
      ...chain(`b2${target.suffix}`, ...goesDown(core, target.party.two as ChannelInfo, cause, { soft: 16 })),
    ]
    : [];
  if (hunt.cutBy === 'leg1') {
    // cancelled()'s own `;2` steps are replaced by the hunt's: it cancels its target first.
    const leg1Side = cancelled(core, hunt, [{ party: h, suffix: '' }]).filter((s) => s.chain !== 'b2');
    const huntSide = [step('b2', core.events.hangupRequest(two, cause[0])), ...targetDown, step('b2', core.events.hangup(two, cause))];
    core.emit([...leg1Side, ...huntSide]);
    return core.callEnded(call);
  }
  const { dialThread } = ringsOut(core, a, [{ party: h, suffix: '' }]);
  core.emitInOrder(dialThread);
  dialReturns(hunt, 'NOANSWER');
  core.emit([...targetDown, step('b2', core.events.hangup(two, cause)), ...leg1Ends(core, a, true)]);
  core.callEnded(call);
}

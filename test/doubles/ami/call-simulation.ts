/**
 * What happens after an Originate is queued: leg 1 comes up, rings, and answers or fails per the
 * scripted outcome, with the events of the live transcripts (a, b, c, d, k, m, h4) in their
 * transcript order, or, with `eventOrder`, in any order real Asterisk has been seen to use.
 * Every channel carries Linkedid = leg 1's uniqueid. An answered leg 1 hands over to leg 2.
 */
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { CAUSE, chain, createParty, goesDown, type LegRequest, type Party, partyComesUp, step } from './call-parts.js';
import type { BurstStep } from './event-order.js';
import type { Cause } from './events.js';
import { ringAllTargets, ringsAll } from './leg1-ring-all.js';
import { leg1Ends, startLeg2 } from './leg2-simulation.js';
import { phoneOf } from './phone-devices.js';
import { legReceived, type ReceivedCall } from './received-call.js';
import { parseCallerId } from './wire.js';

export type { LegRequest } from './call-parts.js';

interface Target {
  tech: string;
  number: string;
  context: string;
  options: string;
  /** False when the technology or the Local context/extension does not exist. */
  reachable: boolean;
}

function parseTarget(core: DoubleCore, channel: string): Target {
  const slash = channel.indexOf('/');
  const tech = channel.slice(0, slash);
  const data = channel.slice(slash + 1);
  if (tech.toLowerCase() === 'local') {
    const [number = '', rest = ''] = data.split('@');
    const [context = '', options = ''] = rest.split('/');
    const ctx = context || 'default';
    return { tech: 'Local', number, context: ctx, options, reachable: core.dialplan.exists(ctx, number) };
  }
  const number = data.split(/[/@]/)[0] ?? '';
  const reachable = ['pjsip', 'sip', 'iax2', 'dahdi'].includes(tech.toLowerCase());
  return { tech, number, context: 'default', options: '', reachable };
}

/** How a failed leg 1 ends: DialStatus (none after a timeout), causes per half, Reason. */
export interface Failure {
  dialStatus: string | undefined;
  /** Cause of the `;1` half (or of the one direct channel). */
  one: Cause;
  two: Cause;
  /** Reason for a Local channel; a direct channel that just hangs up reports 0 (§3.4, §5.6). */
  reason: number;
}

const FAILURES: Record<Exclude<CallOutcome['kind'], 'answer' | 'unavailable'>, Failure> = {
  busy: { dialStatus: 'BUSY', one: CAUSE.unknown, two: CAUSE.busy, reason: 5 },
  congestion: { dialStatus: 'CONGESTION', one: CAUSE.unknown, two: CAUSE.congestion, reason: 8 },
  noanswer: { dialStatus: undefined, one: CAUSE.noanswer, two: CAUSE.noanswer, reason: 3 },
  rejected: { dialStatus: 'NOANSWER', one: CAUSE.rejected, two: CAUSE.rejected, reason: 0 },
};

/** Plays leg 1; resolves true when it answered (leg 2 then goes on by itself). */
export async function runLeg1(core: DoubleCore, req: LegRequest): Promise<boolean> {
  const ringMs = core.options.timing?.ringMs ?? 20;
  const target = parseTarget(core, req.channel);
  const cid = parseCallerId(req.callerId);
  const scripted = core.options.leg1Outcomes?.[target.number];
  const outcome: CallOutcome = target.reachable ? (scripted ?? { kind: 'answer' }) : { kind: 'unavailable' };
  const u1 = req.channelId ?? core.nextUniqueid();
  const orFailure = (reason: number): BurstStep[] =>
    req.reportOutcome
      ? [step('originate', core.events.originateResponse({
          actionId: req.actionId, channel: req.channel, context: req.context, exten: req.exten, application: req.application,
          reason, uniqueid: req.channelId ?? '<unknown>', cidNum: cid.num, cidName: cid.name,
        }))]
      : [];
  const received = (channel: string): ReceivedCall =>
    core.recordCall({
      actionId: req.actionId,
      application: req.application?.name,
      // The party is offered the Originate's CallerID: leg 1's connected line, the `;2` half's caller ID.
      leg1: legReceived(core, {
        channel, callerIdNum: cid.num, callerIdName: cid.name, vars: req.vars, context: target.context, exten: target.number,
        ringLimitMs: req.timeoutMs, musicClass: req.musicClass,
      }),
    });

  // Let the Originate's reply leave first (a sync Originate's session holds events anyway).
  await core.delay(0);
  const local = target.tech === 'Local';
  // A direct channel that cannot be requested never exists: only the OriginateResponse tells (h1, h3).
  if (outcome.kind === 'unavailable' && !local) {
    core.callEnded(received(req.channel));
    core.emit(orFailure(0));
    return false;
  }
  const party = createParty({
    ...target, uniqueid: u1, otherUniqueid: req.otherChannelId ?? `${u1};2`, linkedid: u1, suffix: core.nextSuffix(),
  });
  const call = received((party.two ?? party.one).name);
  core.emitInOrder(partyComesUp(core, party, cid, req.vars.view()));
  if (outcome.kind === 'unavailable') {
    // h4: a Local channel to a missing context is created, then both halves hang up with cause 0.
    const halves = [...chain('two', core.events.hangup(party.two ?? party.one, CAUSE.unknown)), ...chain('one', core.events.hangup(party.one, CAUSE.unknown))];
    core.emit([...halves, ...orFailure(0)]);
    core.callEnded(call);
    return false;
  }
  // b: DialBegin names the dialed data; a ringing party shows Ringing on `;1`, then a DialState.
  core.emitInOrder([core.events.dialBegin(undefined, party.one, party.dialString)]);
  if (ringsAll(core, target)) {
    const failed = (failure: Failure) => failureBurst(core, party, failure, orFailure(failure.reason));
    const won = await ringAllTargets(core, { req, party, cid, call, orFailure, failed });
    if (won) answer(won.core, req, party, cid, won.holdMs, call);
    else core.callEnded(call);
    return won !== undefined;
  }
  if (outcome.kind === 'noanswer' || outcome.kind === 'rejected') {
    party.one.state = 5;
    core.emitInOrder([core.events.channelEvent('Newstate', party.one), core.events.dialState(undefined, party.one, 'RINGING')]);
  }
  // The phone behind leg 1 rings unless it refuses the call outright (busy, congestion).
  const phone = phoneOf(core, target);
  if (phone && ['answer', 'noanswer', 'rejected'].includes(outcome.kind)) core.phones.ringing(call, phone);
  await core.delay(outcome.kind === 'noanswer' ? req.timeoutMs : (outcome.ringMs ?? ringMs));

  if (outcome.kind === 'answer') {
    answer(core, req, party, cid, outcome.holdMs, call);
    if (phone) core.phones.answered(call, phone);
    return true;
  }
  const failure = FAILURES[outcome.kind];
  core.emit(failureBurst(core, party, failure, orFailure(local ? failure.reason : failure.reason === 3 ? 3 : 0)));
  core.callEnded(call);
  return false;
}

/**
 * c, d, k (busy, congestion): `;2` goes Busy, DialEnd, then OriginateResponse and the two Hangups
 * (`;1` with cause 0, `;2` with the real cause). b (no answer): no DialEnd, cause 19 on both.
 * m (rejected): DialEnd NOANSWER, cause 21 on both, Reason 0. The chains float against each other.
 */
export function failureBurst(core: DoubleCore, party: Party, failure: Failure, originate: BurstStep[]): BurstStep[] {
  const { one, two } = party;
  const dialEnd = failure.dialStatus === undefined ? [] : chain('dial', core.events.dialEnd(undefined, one, failure.dialStatus));
  if (!two) {
    return [...dialEnd, ...originate, ...chain('one', core.events.hangup(one, failure.two))];
  }
  if (failure.dialStatus === 'BUSY' || failure.dialStatus === 'CONGESTION') {
    Object.assign(two, { state: 7, priority: 2 });
    const busyState = step('two', core.events.channelEvent('Newstate', two));
    const [request, soft, down] = goesDown(core, two, failure.two, { request: 0, soft: 16 });
    return [busyState, ...dialEnd, step('two', request!), ...originate, ...chain('one', core.events.hangup(one, failure.one)), ...chain('two', soft!, down!)];
  }
  if (failure.dialStatus === undefined) {
    const [request, soft, down] = goesDown(core, two, failure.two, { request: failure.two[0], soft: 16 });
    return [...originate, step('two', request!), ...chain('one', core.events.hangup(one, failure.one)), ...chain('two', soft!, down!)];
  }
  const [soft, twoDown] = goesDown(core, two, failure.two, { soft: 16 });
  const [request, oneDown] = goesDown(core, one, failure.one, { request: failure.one[0] });
  return [step('two', soft!), step('one', request!), step('two', twoDown!), ...dialEnd, step('one', oneDown!), ...originate];
}

/**
 * a, e: both halves Up, DialEnd ANSWER, OriginateResponse (which floats), then leg 2 is dialed:
 * by the dialplan at the Originate's Context/Exten, or by its `Dial` Application. Any other
 * Application is not modelled: leg 1 just ends after its hold time.
 */
function answer(core: DoubleCore, req: LegRequest, party: Party, cid: { num: string; name: string }, holdMs: number | undefined, call: ReceivedCall): void {
  const { one, two } = party;
  if (two) Object.assign(two, { state: 6, priority: 2 });
  one.state = 6;
  const up: BurstStep[] = [
    ...(two ? [step('leg', core.events.channelEvent('Newstate', two))] : []),
    step('leg', core.events.channelEvent('Newstate', one)),
    step('leg', core.events.dialEnd(undefined, one, 'ANSWER')),
  ];
  const originate: BurstStep[] = req.reportOutcome
    ? [step('originate', core.events.originateResponse({
        actionId: req.actionId, channel: req.channel, context: req.context, exten: req.exten, application: req.application,
        reason: 4, uniqueid: one.uniqueid, cidNum: cid.num, cidName: cid.name, answered: one,
      }))]
    : [];
  if (req.application && !req.dial) {
    core.emit([...up, ...originate]);
    void core.delay(holdMs ?? core.options.timing?.holdMs ?? 5000).then(() => {
      core.emit(leg1Ends(core, party, true));
      core.callEnded(call);
    });
    return;
  }
  // Leg 1 now runs the Originate's Context/Exten, where its Dial() is priority 2 (transcript a); an
  // Application runs without moving the channel.
  if (!req.application) Object.assign(one, { context: req.context, exten: req.exten, priority: 2 });
  const leg2 = startLeg2(core, req, party, cid, holdMs, call);
  core.emit([...up, ...originate, ...leg2.map((event) => step('leg', event))]);
}

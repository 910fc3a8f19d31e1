/**
 * The second leg, dialed by leg 1's `;1` half (leg2-placement.ts says whom and how), as transcripts
 * a and e show it: a Local pair whose result is a DialEnd on leg 1's channel, then the end of the
 * call. Leg 1's party may hang up first (its outcome's `holdMs`); while leg 2 still rings that
 * gives DialEnd CANCEL (no live transcript has it: modelled on a and e). A Dial with several `&`
 * targets rings them all at once instead (ring-all.ts), and the README's hunt context rings its list
 * in turn (leg2-hunt.ts); the events of all are in leg2-events.ts.
 */
import { randomUUID } from 'node:crypto';
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { type LegRequest, type Party, partyComesUp } from './call-parts.js';
import { dialStatusWithoutAnswer } from './dial-status.js';
import { answers, calleeFails, cancelled, dialReturns, joins, type Leg2, leg1Ends, newCallee, ringback, talkThenEnd } from './leg2-events.js';
import { hunts, startHunt } from './leg2-hunt.js';
import { placeLeg2 } from './leg2-placement.js';
import type { ReceivedCall } from './received-call.js';
import { startRingAll } from './ring-all.js';
import type { Header } from './wire.js';

export { leg1Ends } from './leg2-events.js';

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
  if ((req.dial?.targets.length ?? 1) > 1) return startRingAll(core, req, a, cid, leg1HoldMs, call);
  if (hunts(core, req)) return startHunt(core, req, a, cid, leg1HoldMs, call);
  const placed = placeLeg2(core, req, cid);
  const { outcome } = placed;
  const { party: b, received } = newCallee(core, req, a, placed);
  call.leg2 = received;
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
    setup.push(...answers(core, b), ...joins(core, leg2));
  }
  void playLeg2(core, leg2, outcome, placed.afterMs, leg1HoldMs);
  return setup;
}

async function playLeg2(core: DoubleCore, leg2: Leg2, outcome: CallOutcome, afterMs: number, leg1HoldMs: number | undefined): Promise<void> {
  const { a, b, req, call } = leg2;
  if (leg1HoldMs !== undefined && leg1HoldMs < afterMs) {
    await core.delay(leg1HoldMs);
    core.emit(cancelled(core, leg2, [{ party: b, suffix: '' }]));
    return core.callEnded(call);
  }
  await core.delay(afterMs);
  if (outcome.kind !== 'answer') {
    const ends = calleeFails(core, a, b, outcome.kind);
    dialReturns(leg2, dialStatusWithoutAnswer([outcome.kind], 1));
    core.emit([...ends, ...leg1Ends(core, a, req.dial !== undefined)]);
    return core.callEnded(call);
  }
  if (!leg2.answered) core.emitInOrder([...answers(core, b), ...joins(core, leg2)]);
  const leg2Hold = outcome.holdMs ?? core.options.timing?.holdMs ?? 5000;
  await talkThenEnd(core, leg2, Math.min(leg2Hold, leg1HoldMs === undefined ? Infinity : leg1HoldMs - afterMs));
}

/**
 * How leg 2 is placed, for the two ways an Originate can reach it (asterisk-ami.md §3.5, §3.7):
 * - Context/Exten: leg 1's `;1` half runs that extension, whose dialplan dials the callee
 *   (`Local/<exten>@phones` on the transcripts' PBX) with the context's own ring time, the caller ID
 *   and the variables of leg 1 itself;
 * - Application `Dial`: leg 1 dials `Local/<exten>@<context>` itself. The callee is then that Local
 *   channel: its `;2` half runs the context (whose own dialplan, and the device it dials, the double
 *   folds into the scripted outcome), with the caller ID Dial gives it (`f()`, else leg 1's) and
 *   only the variables it inherits. Dial's timeout bounds the ring, whatever the context's own.
 */
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { LEG2_DEVICE_CONTEXT, type LegRequest } from './call-parts.js';
import type { ChannelVars } from './channel-vars.js';
import type { DialTarget } from './dial-app.js';
import { FREEPBX_CONTEXTS } from './freepbx-model.js';

export interface Leg2Placement {
  /** The Local channel leg 1's Dial creates: `Local/<number>@<context>`. */
  number: string;
  context: string;
  /** Caller ID leg 2's channels carry (what the callee is offered). */
  callerId: { num: string; name: string };
  /** The variables of the channel whose dialplan routes leg 2. */
  routingVars: ChannelVars;
  /** The variables of the Local channel dialed for leg 2. */
  calleeVars: ChannelVars;
  /** The scripted outcome, or `noanswer` when the Dial timeout comes first. */
  outcome: CallOutcome;
  /** When the outcome happens after leg 2 is dialed, in ms. */
  afterMs: number;
  /** Dial's answer timeout, when leg 1 runs Dial. */
  ringLimitMs: number | undefined;
}

export function placeLeg2(core: DoubleCore, req: LegRequest, cid: { num: string; name: string }): Leg2Placement {
  return placeTarget(core, req, cid, req.dial?.target);
}

/**
 * One placement per target of leg 1's Dial, in Dial order (one, at the Originate's Exten, without
 * Dial): each target rings at once with its own scripted outcome, and Dial's one timeout bounds them all.
 */
export function placeTargets(core: DoubleCore, req: LegRequest, cid: { num: string; name: string }): Leg2Placement[] {
  return req.dial ? req.dial.targets.map((target) => placeTarget(core, req, cid, target)) : [placeLeg2(core, req, cid)];
}

function placeTarget(core: DoubleCore, req: LegRequest, cid: { num: string; name: string }, target: DialTarget | undefined): Leg2Placement {
  const dial = req.dial;
  const number = target ? target.number : req.exten;
  const routingContext = target ? target.context : req.context;
  const routingVars = dial ? req.vars.inherited() : req.vars;
  const scripted = core.options.leg2Outcomes?.[number] ?? { kind: 'answer' };
  const ringMs = ('ringMs' in scripted ? scripted.ringMs : undefined) ?? core.options.timing?.ringMs ?? 20;
  const natural = scripted.kind === 'noanswer' ? contextRingMs(core, routingContext, routingVars) : scripted.kind === 'unavailable' ? 0 : ringMs;
  const limit = dial?.timeoutMs;
  const cutAt = limit !== undefined && limit < natural ? limit : undefined;
  return {
    number,
    context: target ? target.context : LEG2_DEVICE_CONTEXT,
    callerId: dial?.forcedCallerId ?? cid,
    routingVars,
    calleeVars: dial ? routingVars : req.vars.inherited(),
    outcome: cutAt === undefined ? scripted : { kind: 'noanswer' },
    afterMs: cutAt ?? natural,
    ringLimitMs: limit,
  };
}

/**
 * How long the dialplan of a context lets leg 2 ring: FreePBX's trunk Dial uses TRUNK_RING_TIMER
 * (a channel variable shadows the global); another context its own ring time.
 */
function contextRingMs(core: DoubleCore, context: string, vars: ChannelVars): number {
  if (FREEPBX_CONTEXTS.has(context)) {
    const timer = Number(vars.get('TRUNK_RING_TIMER') ?? core.options.globals?.TRUNK_RING_TIMER);
    if (Number.isFinite(timer) && timer > 0) return timer * 1000;
  }
  return core.options.contextRingMs?.[context] ?? core.options.timing?.leg2RingMs ?? 30_000;
}

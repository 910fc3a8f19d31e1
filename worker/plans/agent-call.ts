/**
 * Click-to-Agent (SPEC §9): the agent's availability is read from the PBX before anything is
 * dialed; during the call the agent is paused in the queue with reason `Outbound` (DialogTech's
 * OUTBOUND mode) and restored to their earlier state when the call ends, fails, or cannot be
 * followed any more (the keeper then restores them once their phone is idle).
 */
import type { Logger } from 'pino';
import type { PbxKind } from '../../shared/accounts/pbx-settings.js';
import type { CallPlan } from '../../shared/call-job.js';
import { AppError, toAppError } from '../../shared/errors.js';
import { isTerminal } from '../../shared/status/status-document.js';
import { unavailableBecause } from './agent-availability.js';
import type { AgentControl, CallAccepted, CallObserver, PbxDriver, PlaceCall } from '../pbx/pbx-driver.js';
import type { AgentPause, AgentPauseLedger } from './agent-pause-ledger.js';

export const OUTBOUND_REASON = 'Outbound';

export interface AgentCallDeps {
  ledger: AgentPauseLedger;
  accountId: string;
  pbx: PbxKind;
  logger: Logger;
  now: () => number;
  /** How long a worker vouches for an agent's restore before renewing (keepers act after that). */
  vouchMs: number;
}

type AgentPlan = Extract<CallPlan, { kind: 'agent' }>;

/** Puts the agent back as they were and forgets the pause; a failure leaves it to the keepers. */
export async function restoreAgent(agents: AgentControl, ledger: AgentPauseLedger, pause: AgentPause): Promise<void> {
  await agents.pause(pause.queue, pause.interface, pause.earlier.paused, pause.earlier.paused ? pause.earlier.reason : '');
  await ledger.release(pause);
}

export async function placeAgentCall(driver: PbxDriver, plan: AgentPlan, call: PlaceCall, observer: CallObserver, deps: AgentCallDeps): Promise<CallAccepted> {
  const agents = driver.agents;
  if (!agents) throw new AppError('unsupported_option', `Agent availability cannot be read from the account's ${deps.pbx} PBX.`);
  const log = deps.logger.child({ request_id: call.requestId, queue: plan.queue, agent_id: plan.agent_id });
  const state = await agents.member(plan.queue, plan.interface);
  const why = unavailableBecause(state, agents.okPauseReasons);
  if (why !== undefined || state === undefined) throw new AppError('agent_unavailable', `Agent ${plan.agent_id} is not available: ${why ?? 'unknown state'}.`);
  const pause: AgentPause = {
    account_id: deps.accountId,
    pbx: deps.pbx,
    queue: plan.queue,
    interface: plan.interface,
    request_id: call.requestId,
    earlier: { paused: state.paused, reason: state.reason },
    until_ms: deps.now() + deps.vouchMs,
  };
  if (!(await deps.ledger.hold(pause))) throw new AppError('agent_unavailable', `Agent ${plan.agent_id} is not available: already on a click-to-agent call.`);

  // While this worker follows the call it vouches for the restore; it stops when the call ends or cannot be followed.
  const vouching = setInterval(() => {
    deps.ledger.renew(pause, deps.now() + deps.vouchMs).catch((err: unknown) => log.warn({ err }, 'could not renew an agent pause'));
  }, Math.max(50, Math.floor(deps.vouchMs / 3)));
  vouching.unref();
  let settled = false;
  const restore = (): void => {
    if (settled) return;
    settled = true;
    clearInterval(vouching);
    restoreAgent(agents, deps.ledger, pause)
      .then(() => log.info({ paused: pause.earlier.paused, reason: pause.earlier.reason }, 'agent restored'))
      .catch((err: unknown) => log.warn({ code: toAppError(err).code }, 'agent not restored yet; the pause keeper will'));
  };
  const leaveToKeepers = (): void => {
    if (settled) return;
    settled = true;
    clearInterval(vouching);
    log.warn('call end cannot be followed; the pause keeper restores the agent once their phone is idle');
  };

  try {
    await agents.pause(plan.queue, plan.interface, true, OUTBOUND_REASON);
  } catch (err) {
    clearInterval(vouching);
    await deps.ledger.release(pause).catch(() => undefined);
    throw err;
  }
  const following: CallObserver = {
    dispatching: (pbxData) => observer.dispatching(pbxData),
    progress(event) {
      observer.progress(event);
      if (isTerminal(event.event)) restore();
    },
    lost() {
      leaveToKeepers();
      observer.lost?.();
    },
  };
  try {
    const accepted = await driver.placeCall(call, following);
    if (!accepted.progressFollows) restore();
    return accepted;
  } catch (err) {
    // A call that may be ringing keeps the agent paused until their phone is idle again.
    if (toAppError(err).outcomeUnknown) leaveToKeepers();
    else restore();
    throw err;
  }
}

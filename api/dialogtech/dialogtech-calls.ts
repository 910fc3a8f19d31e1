/**
 * SPEC §9 entry points as `BuildCall`s for the shared calling use case: parse the fields, find the
 * account's saved agent queue or FindMe list, check what the PBX and the account allow, and hand
 * the placement a call with its plan. The worker drives the plan (worker/plans/).
 */
import type { Account } from '../../shared/accounts/account-store.js';
import type { PbxKind } from '../../shared/accounts/pbx-settings.js';
import { ringSecondsOf, type CallPlan } from '../../shared/call-job.js';
import { AppError } from '../../shared/errors.js';
import { agentQueueUnsupported, findMeCallUnsupported } from '../../shared/pbx-capabilities.js';
import type { BuildCall } from '../click2call/click2call-service.js';
import { parseClickToAgent, parseClickToFindMe } from './parse-dialogtech-request.js';

export interface SavedAgentQueue {
  pbx: PbxKind;
  pbx_queue: string;
  agents: Record<string, { number: string; interface: string }>;
}

export interface SavedFindMe {
  pbx: PbxKind;
  numbers: string[];
  strategy: 'ordered' | 'simultaneous';
  ring_seconds: number;
}

export interface DialogTechDeps {
  agentQueues: { find(accountId: string, id: string): Promise<SavedAgentQueue | undefined> };
  findMeLists: { find(accountId: string, id: string): Promise<SavedFindMe | undefined> };
  /** Why a fallback cannot be used by this account (no SMS gateway, a URL host not in callback_hosts…); undefined when it can. */
  fallbackProblem(account: Account, channel: 'email' | 'sms' | 'url', to: string): Promise<string | undefined>;
}

/** What the PBX cannot do of the plan (the admin API refuses saving most of it; a connection may have changed since). */
function planProblem(pbx: PbxKind, plan: CallPlan): string | undefined {
  return plan.kind === 'agent' ? agentQueueUnsupported(pbx) : findMeCallUnsupported(pbx, plan.type, plan.strategy);
}

function refuseUnless(pbx: PbxKind, plan: CallPlan): void {
  const problem = planProblem(pbx, plan);
  if (problem !== undefined) throw new AppError('unsupported_option', `${problem}.`);
}

/** `/v1/clicktoagent`: the agent first, then phone_to_call. */
export function clickToAgent(deps: DialogTechDeps): BuildCall {
  return async (fields, caller) => {
    const request = parseClickToAgent(fields);
    const queue = await deps.agentQueues.find(caller.account.id, request.queueId);
    if (!queue) throw new AppError('not_found', `queue_id ${request.queueId} is not one of the account's agent queues.`);
    const agent = Object.hasOwn(queue.agents, request.agentId) ? queue.agents[request.agentId] : undefined;
    if (!agent) throw new AppError('not_found', `agent_id ${request.agentId} is not an agent of queue ${request.queueId}.`);
    const plan: CallPlan = { kind: 'agent', queue: queue.pbx_queue, interface: agent.interface, agent_id: request.agentId };
    refuseUnless(queue.pbx, plan);
    return {
      call: { dialFirst: agent.number, dialSecond: request.phoneToCall, dialAs: request.dialAs ?? agent.number, pbx: queue.pbx, options: request.options, plan },
      extras: { requestData: { queue_id: request.queueId, agent_id: request.agentId, phone_to_call: request.phoneToCall } },
    };
  };
}

/** `/v1/clicktofindme`: phone_to_call and the list, in the order `type` says, with the fallbacks of type 2. */
export function clickToFindMe(deps: DialogTechDeps): BuildCall {
  return async (fields, caller) => {
    const request = parseClickToFindMe(fields);
    const list = await deps.findMeLists.find(caller.account.id, request.findmeId);
    if (!list) throw new AppError('not_found', `findme_id ${request.findmeId} is not one of the account's FindMe lists.`);
    const plan: CallPlan = {
      kind: 'findme',
      type: request.type,
      strategy: list.strategy,
      ring_seconds: list.ring_seconds,
      numbers: list.numbers,
      phone_to_call: request.phoneToCall,
      ...(Object.keys(request.noAnswer).length === 0 ? {} : { no_answer: request.noAnswer }),
    };
    refuseUnless(list.pbx, plan);
    for (const channel of ['email', 'sms', 'url'] as const) {
      const to = request.noAnswer[channel];
      const problem = to === undefined ? undefined : await deps.fallbackProblem(caller.account, channel, to);
      if (problem !== undefined) throw new AppError('invalid_request', `no_answer_${channel}: ${problem}`);
    }
    // The list's own side goes first in the policy check, whichever rings first. The call is placed
    // as the first of the numbers that is one of the PBX's extensions, unless dial_as says otherwise.
    const first = list.numbers[0] as string;
    const dialAs = request.dialAs ?? [...list.numbers, request.phoneToCall].find((number) => caller.policy.extensions.test(number));
    if (dialAs === undefined) throw new AppError('invalid_request', 'dial_as is required: neither the FindMe list nor phone_to_call has one of the PBX\'s extensions to place the call as.');
    const noAnswerData = Object.fromEntries(Object.entries(request.noAnswer).map(([name, value]) => [`no_answer_${name}`, value]));
    return {
      call: { dialFirst: first, dialSecond: request.phoneToCall, dialAs, pbx: list.pbx, options: request.options, plan },
      extras: {
        ringSeconds: ringSecondsOf(plan, request.options.timeout),
        requestData: { findme_id: request.findmeId, phone_to_call: request.phoneToCall, type: request.type, ...noAnswerData },
      },
    };
  };
}

import type { Logger } from 'pino';
import type { CallJob } from '../../shared/call-job.js';
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import type { CallAccepted, PbxDriver, PlaceCall } from '../pbx/pbx-driver.js';
import { placeAgentCall } from './agent-call.js';
import type { AgentPauseLedger } from './agent-pause-ledger.js';
import { placeFindMeCall, type HuntObserver, type NoAnswerNotify } from './find-me-hunt.js';

/** Sends the email, SMS and URL fallbacks a request asked for (worker/fallbacks/), recording each outcome. */
export type NoAnswerSender = (report: NoAnswerReport, to: { email?: string; sms?: string; url?: string }, record: Parameters<NoAnswerNotify>[1]) => Promise<void>;

export interface PlanDeps {
  ledger: AgentPauseLedger;
  sendNoAnswer: NoAnswerSender;
  /** How long a worker vouches for an agent's restore between renewals (AgentPauseKeeper acts after it). */
  agentVouchMs: number;
}

/** Places the job's call: one Originate, or the plan of SPEC §9 (an agent call, a FindMe hunt) on top of the driver. */
export function placePlannedCall(
  job: CallJob,
  driver: PbxDriver,
  call: PlaceCall,
  observer: HuntObserver,
  deps: { plans?: PlanDeps | undefined; logger: Logger; now: () => number },
): Promise<CallAccepted> {
  const plan = job.plan;
  if (plan === undefined) return driver.placeCall(call, observer);
  if (!deps.plans) throw new Error('this worker was started without what SPEC §9 calls need');
  const plans = deps.plans;
  if (plan.kind === 'agent') {
    return placeAgentCall(driver, plan, call, observer, { ledger: plans.ledger, accountId: job.account_id, pbx: job.pbx, logger: deps.logger, now: deps.now, vouchMs: plans.agentVouchMs });
  }
  const notify: NoAnswerNotify = async (attempts, record) => {
    const { phone: _phone, ...to } = plan.no_answer ?? {};
    if (Object.keys(to).length === 0) return;
    const report: NoAnswerReport = { requestId: job.request_id, accountId: job.account_id, phoneToCall: plan.phone_to_call, attempts, ...(job.page === undefined ? {} : { page: job.page }) };
    await plans.sendNoAnswer(report, to, record);
  };
  return placeFindMeCall(driver, plan, call, observer, { logger: deps.logger, now: deps.now, notify });
}

import type { Logger } from 'pino';
import type { AccountStore } from '../../shared/accounts/account-store.js';
import type { FallbackChannel, FallbackOutcome, NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import type { DailyCaps } from './daily-caps.js';

/** What both fallbacks need besides their own sender. */
export interface FallbackCommonDeps {
  accounts: Pick<AccountStore, 'getAccount'>;
  caps: Pick<DailyCaps, 'take'>;
  logger: Logger;
  now: () => Date;
}

/**
 * Runs one fallback and turns whatever happens into an outcome, logged with the request id: the
 * fallback never throws (an unexpected error is a `failed` outcome whose message says nothing internal).
 */
export async function settleFallback(
  channel: FallbackChannel,
  report: NoAnswerReport,
  to: string,
  deps: FallbackCommonDeps,
  attempt: () => Promise<Pick<FallbackOutcome, 'result' | 'message'>>,
): Promise<FallbackOutcome> {
  let settled: Pick<FallbackOutcome, 'result' | 'message'>;
  try {
    settled = await attempt();
  } catch (err) {
    deps.logger.error({ err, request_id: report.requestId, channel }, 'no-answer fallback error');
    settled = { result: 'failed', message: 'An internal error stopped the message; it was not sent.' };
  }
  const outcome: FallbackOutcome = { channel, to, result: settled.result, ...(settled.message === undefined ? {} : { message: settled.message }), at: deps.now().toISOString() };
  const level = outcome.result === 'sent' ? 'info' : 'warn';
  deps.logger[level]({ request_id: report.requestId, account_id: report.accountId, channel, result: outcome.result, detail: outcome.message }, 'no-answer fallback');
  return outcome;
}

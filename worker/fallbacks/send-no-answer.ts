import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import type { FallbackRecord } from '../../shared/status/status-document.js';
import type { NoAnswerSender } from '../plans/place-planned-call.js';
import { sendNoAnswerEmail } from './no-answer-email.js';
import type { NoAnswerFallbackDeps } from './no-answer-senders.js';
import { sendNoAnswerSms } from './no-answer-sms.js';
import type { NoAnswerUrlOutcome } from './no-answer-url.js';

/**
 * The email, SMS and URL fallbacks of one hunt nobody answered, sent side by side; each outcome is
 * recorded as it is known (a queued URL's later attempts are recorded by the delivery's listener).
 */
export function noAnswerSender(deps: NoAnswerFallbackDeps, queueUrl: (report: NoAnswerReport, url: string) => Promise<NoAnswerUrlOutcome>): NoAnswerSender {
  return async (report, to, record) => {
    const sends: Promise<FallbackRecord>[] = [];
    if (to.email !== undefined) sends.push(sendNoAnswerEmail(report, to.email, deps));
    if (to.sms !== undefined) sends.push(sendNoAnswerSms(report, to.sms, deps));
    if (to.url !== undefined) {
      const url = to.url;
      sends.push(queueUrl(report, url).catch((err: unknown) => ({ channel: 'url', to: url.split('?')[0] ?? url, result: 'failed', message: `could not be queued: ${(err as Error).message}`, at: new Date().toISOString() })));
    }
    await Promise.all(sends.map((send) => send.then(record)));
  };
}

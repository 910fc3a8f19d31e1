/**
 * `no_answer_email` (SPEC §9): the DialogTech reference's email, through the SMTP server of
 * SMTP_URL, from the account's `email_from` or SMTP_FROM, within the daily caps.
 */
import { DEFAULT_POLICY } from '../../shared/accounts/policy.js';
import { emailAddressProblem } from '../../shared/findme/email-address.js';
import type { FallbackOutcome, NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { settleFallback, type FallbackCommonDeps } from './fallback-outcome.js';
import type { Mailer } from './mailer.js';
import { noAnswerEmailText } from './no-answer-text.js';

export interface EmailFallbackDeps extends FallbackCommonDeps {
  /** Undefined when SMTP_URL is not set: every email is refused. */
  mailer: Mailer | undefined;
  /** SMTP_FROM. */
  defaultFrom: string;
}

/** Sends the no-answer email to `to`; never throws. */
export function sendNoAnswerEmail(report: NoAnswerReport, to: string, deps: EmailFallbackDeps): Promise<FallbackOutcome> {
  return settleFallback('email', report, to, deps, async () => {
    const problem = emailAddressProblem(to);
    if (problem !== undefined) return { result: 'refused', message: `no_answer_email ${problem}` };
    const mailer = deps.mailer;
    if (mailer === undefined) return { result: 'refused', message: 'The relay has no SMTP server for no-answer emails (SMTP_URL is not set).' };
    const account = await deps.accounts.getAccount(report.accountId);
    if (account === undefined) return { result: 'refused', message: 'The account no longer exists.' };
    const from = account.policy.email_from ?? deps.defaultFrom;
    // Checked when it was set; checked again because it goes into a header.
    if (emailAddressProblem(from, { singleLabelDomain: from === deps.defaultFrom }) !== undefined) {
      return { result: 'refused', message: "The account's email_from is not a plain email address; set the policy again." };
    }
    const cap = await deps.caps.take(report.accountId, 'email', to, account.policy.daily_email_cap ?? DEFAULT_POLICY.daily_email_cap, deps.now());
    if (!cap.allowed) return { result: 'refused', message: cap.message };
    const { subject, text } = noAnswerEmailText(report);
    const sent = await mailer.send({ from, to, subject, text, headers: { 'X-C2C-Request-Id': report.requestId.replace(/[^A-Za-z0-9-]/g, '') } });
    return sent.ok ? { result: 'sent' } : { result: 'failed', message: sent.message };
  });
}

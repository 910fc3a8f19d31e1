/**
 * `no_answer_sms` (SPEC §9): the DialogTech reference's text, through the account's SMS gateway,
 * from a number of the policy's `sms_from`, within the daily caps.
 */
import type { SmsGatewayStore } from '../../shared/accounts/sms-gateway-store.js';
import { DEFAULT_POLICY } from '../../shared/accounts/policy.js';
import type { FallbackOutcome, NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { smsFallbackProblem, smsNumberProblem } from '../../shared/findme/sms-fallback.js';
import { isSuccess } from '../pbx/other/http-template.js';
import { settleFallback, type FallbackCommonDeps } from './fallback-outcome.js';
import { noAnswerSmsText } from './no-answer-text.js';
import type { SmsGatewayClient } from './sms-gateway-client.js';
import { buildSmsRequest, describeSmsRequest, secretValuesOf } from './sms-gateway-request.js';

export interface SmsFallbackDeps extends FallbackCommonDeps {
  gateways: Pick<SmsGatewayStore, 'load'>;
  gatewayClient: Pick<SmsGatewayClient, 'send'>;
}

export interface SmsFallbackOptions {
  /** One of the policy's `sms_from`; default its first. */
  from?: string;
}

const SHOWN_ANSWER_CHARS = 200;

/** A gateway's words for a message: one line, short, with none of the gateway's secrets in it. */
function shown(text: string, secrets: string[]): string {
  let line = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  for (const secret of secrets) line = line.split(secret).join('REDACTED');
  return line.length > SHOWN_ANSWER_CHARS ? `${line.slice(0, SHOWN_ANSWER_CHARS)}…` : line;
}

/** Sends the no-answer SMS to `to`; never throws. */
export function sendNoAnswerSms(report: NoAnswerReport, to: string, deps: SmsFallbackDeps, options: SmsFallbackOptions = {}): Promise<FallbackOutcome> {
  return settleFallback('sms', report, to, deps, async () => {
    const problem = smsNumberProblem(to);
    if (problem !== undefined) return { result: 'refused', message: `no_answer_sms ${problem}` };
    const account = await deps.accounts.getAccount(report.accountId);
    if (account === undefined) return { result: 'refused', message: 'The account no longer exists.' };
    const gateway = await deps.gateways.load(report.accountId);
    const unavailable = smsFallbackProblem(account, gateway !== undefined);
    if (unavailable !== undefined || gateway === undefined) return { result: 'refused', message: unavailable };
    const senders = account.policy.sms_from ?? [];
    const from = options.from ?? senders[0] ?? '';
    if (!senders.includes(from)) return { result: 'refused', message: `${from} is not one of the policy's sms_from numbers.` };
    const cap = await deps.caps.take(report.accountId, 'sms', to, account.policy.daily_sms_cap ?? DEFAULT_POLICY.daily_sms_cap, deps.now());
    if (!cap.allowed) return { result: 'refused', message: cap.message };

    const values = { to, from, text: noAnswerSmsText(report), request_id: report.requestId };
    deps.logger.debug({ request_id: report.requestId, sms_request: describeSmsRequest(gateway, values) }, 'no-answer sms request');
    const answer = await deps.gatewayClient.send(buildSmsRequest(gateway, values), gateway.timeout_ms);
    const secrets = secretValuesOf(gateway);
    if (answer.kind !== 'answered') return { result: answer.kind, message: shown(answer.message, secrets) };
    if (isSuccess(gateway, answer.status, answer.body)) return { result: 'sent' };
    const words = shown(answer.body, secrets);
    return { result: 'failed', message: `The SMS gateway answered HTTP ${answer.status}${words === '' ? '' : `: ${words}`}` };
  });
}

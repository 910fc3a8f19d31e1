/**
 * When `no_answer_sms` can be accepted (SPEC §9): the account needs an SMS gateway
 * (`/admin/v1/accounts/{id}/sms-gateway`) and a number to send from (the policy's `sms_from`). The
 * API asks before it accepts a request; the worker asks again before it sends.
 */
import type { Account } from '../accounts/account-store.js';

/** An SMS number: digits, optionally after a `+`; as `sms_from` entries and `no_answer_sms` are written. */
export const SMS_NUMBER = /^\+?[0-9]{3,15}$/;

/** Why the account cannot send a no-answer SMS, or undefined when it can. */
export function smsFallbackProblem(account: Pick<Account, 'policy'>, gatewayConfigured: boolean): string | undefined {
  const missing = [
    ...(gatewayConfigured ? [] : ['an SMS gateway (PUT /admin/v1/accounts/{id}/sms-gateway)']),
    ...((account.policy.sms_from ?? []).length > 0 ? [] : ["a number to send from (the policy's sms_from)"]),
  ];
  return missing.length === 0 ? undefined : `no_answer_sms needs ${missing.join(' and ')}, which the account does not have`;
}

/** Why `value` is not a number an SMS can go to, or undefined. */
export function smsNumberProblem(value: unknown): string | undefined {
  return typeof value === 'string' && SMS_NUMBER.test(value) ? undefined : 'must be a phone number of 3 to 15 digits, optionally after a +';
}

import type { Account } from '../../shared/accounts/account-store.js';
import type { SmsGatewayStore } from '../../shared/accounts/sms-gateway-store.js';
import { emailAddressProblem } from '../../shared/findme/email-address.js';
import { smsFallbackProblem, smsNumberProblem } from '../../shared/findme/sms-fallback.js';
import { noAnswerUrlProblem } from '../../shared/webhooks/no-answer-delivery.js';
import type { WebhookStore } from '../../shared/webhooks/webhook-store.js';
import type { DialogTechDeps } from './dialogtech-calls.js';

export interface FallbackCheckDeps {
  smsGateways: Pick<SmsGatewayStore, 'isConfigured'>;
  webhooks: Pick<WebhookStore, 'load'>;
  /** ALLOW_PRIVATE_WEBHOOK_ADDRESSES: also lets a no-answer URL be plain http (tests, a private network). */
  allowHttp: boolean;
  /** SMTP_URL is set: without it no email can be sent. */
  smtpConfigured: boolean;
}

/**
 * Whether the account can use a no-answer fallback, checked before the request is accepted (the
 * worker checks again before it sends): one plain address, an SMS gateway and a number to send
 * from, a URL on the account's callback_hosts.
 */
export function fallbackChecks(deps: FallbackCheckDeps): DialogTechDeps['fallbackProblem'] {
  return async (account: Account, channel, to) => {
    switch (channel) {
      case 'email':
        return deps.smtpConfigured ? emailAddressProblem(to) : 'cannot be sent: this relay has no SMTP server (SMTP_URL)';
      case 'sms':
        return smsNumberProblem(to) ?? smsFallbackProblem(account, await deps.smsGateways.isConfigured(account.id));
      case 'url':
        return noAnswerUrlProblem(to, (await deps.webhooks.load(account.id)).callback, { allowHttp: deps.allowHttp });
    }
  };
}

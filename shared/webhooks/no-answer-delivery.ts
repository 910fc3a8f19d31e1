import { isCallbackHostAllowed, type StoredCallback } from './webhook-store.js';
import { isWebhookUrl, WEBHOOK_URL_MAX } from './webhook-settings.js';

/**
 * A Click-to-FindMe's `no_answer_url` delivery (SPEC §9) as the `webhooks` queue carries it: the
 * facts of the reference's XML document, which the worker renders when it sends (the job stays
 * typed and validated data, like every other delivery). It rides the webhook machinery whole:
 * signing with the callback secret, the SSRF guard, retries for 24 h, the delivery log.
 */
export interface NoAnswerEvent {
  /** `noanswer_<request_id>`: one per request, the same on every retry (it is `C2C-Webhook-Id`). */
  id: string;
  type: 'findme.no_answer';
  request_id: string;
  phone_to_call: string;
  attempts: { called_number: string; call_result: string }[];
  'utc.time': string;
}

export function noAnswerEventId(requestId: string): string {
  return `noanswer_${requestId}`;
}

export interface NoAnswerUrlRules {
  /** ALLOW_PRIVATE_WEBHOOK_ADDRESSES: `http://` is accepted only where private receivers are (on-premises, tests). */
  allowHttp: boolean;
}

/**
 * Why `url` may not receive a no-answer POST, or undefined when it may. The rules of `status_callback`
 * (same URL rule, same `callback_hosts`, same host check), and `https://` unless the operator allows
 * private receivers: a public caller must not be able to make the relay POST anywhere else. The
 * message is a whole sentence, ready for the `invalid_request` answer.
 */
export function noAnswerUrlProblem(url: string, callback: Pick<StoredCallback, 'hosts'> | undefined, rules: NoAnswerUrlRules): string | undefined {
  const schemes = rules.allowHttp ? 'an https:// or http://' : 'an https://';
  const shape = `no_answer_url must be ${schemes} URL of at most ${WEBHOOK_URL_MAX} printable ASCII characters, without user:password@`;
  if (!isWebhookUrl(url)) return shape;
  if (!rules.allowHttp && new URL(url).protocol !== 'https:') return shape;
  const hosts = callback?.hosts ?? [];
  if (hosts.length === 0) return 'no_answer_url is not enabled for this account: it lists no callback_hosts.';
  if (!isCallbackHostAllowed(hosts, url)) return `no_answer_url host ${new URL(url).hostname} is not one of the account's callback_hosts.`;
  return undefined;
}

/**
 * Pure: the HTTP request an account's SMS gateway gets for one message, built from its templates the
 * way the `other` PBX driver builds a call request (worker/pbx/other/http-template.ts), and the
 * same request as it may be logged, with every secret REDACTED.
 */
import { ESCAPE, fillSlots, REDACTED, redactSecret } from '../../shared/accounts/pbx-template.js';
import { withoutUserInfo } from '../../shared/accounts/pbx-url.js';
import type { SmsGatewaySettings, SmsPlaceholder } from '../../shared/accounts/sms-gateway-settings.js';
import { secretOf } from '../pbx/other/http-template.js';

export type SmsValues = Record<SmsPlaceholder, string>;

export interface SmsHttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const CONTENT_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded', text: 'text/plain; charset=utf-8' } as const;

function authorization(settings: SmsGatewaySettings): Record<string, string> {
  const auth = settings.auth;
  if (auth === undefined) return {};
  if (auth.type === 'bearer') return { Authorization: `Bearer ${auth.token ?? ''}` };
  return { Authorization: `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}` };
}

function render(settings: SmsGatewaySettings, values: SmsValues, secret: (name: string) => string | undefined): SmsHttpRequest {
  const slots = { call: values, secret };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) headers[name] = fillSlots(value, slots, ESCAPE.text);
  let body: string | undefined;
  if (settings.method === 'POST' && settings.body !== undefined) {
    body = fillSlots(settings.body, slots, ESCAPE[settings.body_type]);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = CONTENT_TYPES[settings.body_type];
  }
  return { method: settings.method, url: fillSlots(settings.url, slots, ESCAPE.url), headers, body };
}

/** The request as sent: secrets filled in, `auth` as an Authorization header. */
export function buildSmsRequest(settings: SmsGatewaySettings, values: SmsValues): SmsHttpRequest {
  const request = render(settings, values, secretOf(settings));
  return { ...request, headers: { ...request.headers, ...authorization(settings) } };
}

/** The request as it may be logged or stored: rendered from the templates with every secret slot and credential REDACTED. */
export function describeSmsRequest(settings: SmsGatewaySettings, values: SmsValues): SmsHttpRequest {
  const view = render(settings, values, redactSecret);
  const headers = settings.auth === undefined ? view.headers : { ...view.headers, Authorization: REDACTED };
  return { ...view, url: withoutUserInfo(view.url), headers };
}

/** Every secret value of the settings, in the forms it is sent: what no message of ours may repeat. */
export function secretValuesOf(settings: SmsGatewaySettings): string[] {
  const auth = settings.auth;
  const credentials = [auth?.password, auth?.token, auth?.type === 'basic' ? (authorization(settings).Authorization ?? '').replace(/^Basic /, '') : undefined];
  const values = [...Object.values(settings.secrets ?? {}), ...credentials].filter((value): value is string => value !== undefined && value.length >= 3);
  // Longest first, so a secret that contains another is replaced whole.
  return [...new Set(values.flatMap((value) => [value, encodeURIComponent(value)]))].sort((a, b) => b.length - a.length);
}

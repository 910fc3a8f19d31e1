import type { OtherSettings } from '../../../shared/accounts/pbx-settings.js';
import { ESCAPE, fillSlots, REDACTED, redactSecret } from '../../../shared/accounts/pbx-template.js';
import { withoutUserInfo } from '../../../shared/accounts/pbx-url.js';
import type { PlaceCall } from '../pbx-driver.js';

/** The placeholder values of SPEC §4, by name. */
export function placeholderValues(call: PlaceCall): Record<string, string> {
  return {
    dial_first: call.dialFirst,
    dial_second: call.dialSecond,
    dial_as: call.dialAs,
    timeout: String(call.timeoutSeconds),
    request_id: call.requestId,
    // Call options (SPEC §8): empty when the call does not ask for them.
    first_callerid: call.firstCallerId ?? '',
    second_callerid: call.secondCallerId ?? '',
    page: call.page ?? '',
    ref: call.ref ?? '',
  };
}

export interface HttpCallRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const CONTENT_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded', text: 'text/plain; charset=utf-8' } as const;

/** The connection's own value for `{secret:NAME}`. */
export function secretOf(settings: OtherSettings): (name: string) => string | undefined {
  const secrets = settings.secrets ?? {};
  return (name) => (Object.hasOwn(secrets, name) ? secrets[name] : undefined);
}

function render(settings: OtherSettings, call: PlaceCall, secret: (name: string) => string | undefined): HttpCallRequest {
  const values = { call: placeholderValues(call), secret };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) headers[name] = fillSlots(value, values, ESCAPE.text);
  let body: string | undefined;
  if (settings.method === 'POST' && settings.body !== undefined) {
    body = fillSlots(settings.body, values, ESCAPE[settings.body_type]);
    const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!hasContentType) headers['Content-Type'] = CONTENT_TYPES[settings.body_type];
  }
  return { method: settings.method, url: fillSlots(settings.url, values, ESCAPE.url), headers, body };
}

/** Pure: the HTTP request the `other` driver sends for one call, secrets filled in. */
export function buildHttpCall(settings: OtherSettings, call: PlaceCall): HttpCallRequest {
  return render(settings, call, secretOf(settings));
}

/**
 * What is stored in the status document (and may be logged): the same templates rendered with every
 * secret slot as REDACTED and the credentials of `auth` as an `Authorization: REDACTED` header. It is
 * built from the templates, not by scrubbing the real request, so it cannot miss a secret however its
 * parameter is named; template text outside secret slots is kept as written.
 */
export function describeHttpCall(settings: OtherSettings, call: PlaceCall): Record<string, unknown> {
  const view = render(settings, call, redactSecret);
  const headers = settings.auth === undefined ? view.headers : { ...view.headers, Authorization: REDACTED };
  return { method: view.method, url: withoutUserInfo(view.url), headers, ...(view.body === undefined ? {} : { body: view.body }) };
}

/** The verdict: success status range and, when configured, a body match. */
/** How much of the PBX's answer `success_match` looks at: a search pattern's cost grows with the text it scans. */
export const SUCCESS_MATCH_BYTES = 4096;

/** The verdict: success status range and, when configured, `success_match` found in the answer's first 4 KB. */
export function isSuccess(settings: OtherSettings, status: number, body: string): boolean {
  const [low, high] = settings.success_status;
  if (status < low || status > high) return false;
  return settings.success_match === undefined || new RegExp(settings.success_match).test(body.slice(0, SUCCESS_MATCH_BYTES));
}

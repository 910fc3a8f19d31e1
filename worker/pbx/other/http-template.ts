import type { OtherSettings } from '../../../shared/accounts/pbx-settings.js';
import type { PlaceCall } from '../pbx-driver.js';

/** The placeholder values of SPEC §4, by name. */
export function placeholderValues(call: PlaceCall): Record<string, string> {
  return {
    dial_first: call.dialFirst,
    dial_second: call.dialSecond,
    dial_as: call.dialAs,
    timeout: String(call.timeoutSeconds),
    request_id: call.requestId,
  };
}

export type Escape = (value: string) => string;

/** Escapers for each position a placeholder can stand in. */
export const ESCAPE = {
  url: encodeURIComponent,
  json: (value: string) => JSON.stringify(value).slice(1, -1),
  form: (value: string) => encodeURIComponent(value).replace(/%20/g, '+'),
  // Header values and plain text: only characters that cannot break out of a line survive.
  text: (value: string) => value.replace(/[\x00-\x1f\x7f]/g, ''),
} satisfies Record<string, Escape>;

/** Replaces `{name}` placeholders; unknown names are left as written. */
export function fillTemplate(template: string, values: Record<string, string>, escape: Escape): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : escape(value);
  });
}

export interface HttpCallRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const CONTENT_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded', text: 'text/plain; charset=utf-8' } as const;

/** Pure: the HTTP request the `other` driver sends for one call. */
export function buildHttpCall(settings: OtherSettings, call: PlaceCall): HttpCallRequest {
  const values = placeholderValues(call);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) headers[name] = fillTemplate(value, values, ESCAPE.text);
  let body: string | undefined;
  if (settings.method === 'POST' && settings.body !== undefined) {
    body = fillTemplate(settings.body, values, ESCAPE[settings.body_type]);
    const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!hasContentType) headers['Content-Type'] = CONTENT_TYPES[settings.body_type];
  }
  return { method: settings.method, url: fillTemplate(settings.url, values, ESCAPE.url), headers, body };
}

const SECRET_NAME = /auth|key|token|secret|pass|sig|cookie/i;

/** What goes into the status document: the request with credentials and secret-looking values replaced. */
export function redactHttpCall(request: HttpCallRequest): Record<string, unknown> {
  const url = new URL(request.url);
  if (url.username || url.password) {
    url.username = 'REDACTED';
    url.password = '';
  }
  for (const name of [...url.searchParams.keys()]) if (SECRET_NAME.test(name)) url.searchParams.set(name, 'REDACTED');
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, SECRET_NAME.test(name) ? 'REDACTED' : value]));
  return { method: request.method, url: url.toString(), headers, ...(request.body === undefined ? {} : { body: request.body }) };
}

/** The verdict: success status range and, when configured, a body match. */
export function isSuccess(settings: OtherSettings, status: number, body: string): boolean {
  const [low, high] = settings.success_status;
  if (status < low || status > high) return false;
  return settings.success_match === undefined || new RegExp(settings.success_match).test(body);
}

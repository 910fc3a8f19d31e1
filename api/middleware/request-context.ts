import type { Request } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import querystring from 'node:querystring';
import { API_KEY_PREFIX } from '../../shared/security/tokens.js';

/** The API key from `X-Api-Key`, `Authorization: Bearer`, or the `api_key` field, in that order. */
export function presentedApiKey(headers: IncomingHttpHeaders, fields: Record<string, unknown>): string | undefined {
  const header = headerValue(headers, 'x-api-key');
  if (header) return header.trim();
  const authorization = headerValue(headers, 'authorization');
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  const field = fields.api_key;
  if (typeof field === 'string') return field;
  if (Array.isArray(field) && typeof field[0] === 'string') return field[0];
  return undefined;
}

/** A request header as one string, as Express's `req.get` reads it (Node keeps only `set-cookie` as an array). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const SECRET_PARAMETERS = new Set(['api_key', 'token']);

/** Decodes a query name or value the way the server does (`+` is a space), repeatedly, so double encoding hides nothing. */
function decoded(text: string): string {
  let current = text;
  for (let round = 0; round < 3; round += 1) {
    const next = querystring.unescape(current.replace(/\+/g, ' '));
    if (next === current) break;
    current = next;
  }
  return current;
}

/** A name Express would read as `api_key` (or the status `token`) under any encoding, case or `[]` suffix. */
function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETERS.has(decoded(name).trim().toLowerCase().replace(/\[\]$/, ''));
}

/**
 * The original URL fit to store and log: every value of a parameter that is, once decoded, `api_key`
 * or `token` (Express authenticates `api%5Fkey=…` too), and any value holding an API key, is replaced
 * by REDACTED. Other parameters are kept byte for byte.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const fragmentStart = url.indexOf('#', queryStart);
  const queryEnd = fragmentStart < 0 ? url.length : fragmentStart;
  const parameters = url.slice(queryStart + 1, queryEnd).split('&').map((parameter) => {
    const equals = parameter.indexOf('=');
    const name = equals < 0 ? parameter : parameter.slice(0, equals);
    if (decoded(name).includes(API_KEY_PREFIX)) return 'REDACTED';
    const secret = isSecretParameter(name) || decoded(parameter.slice(equals + 1)).includes(API_KEY_PREFIX);
    return secret && equals >= 0 ? `${name}=REDACTED` : parameter;
  });
  return `${url.slice(0, queryStart + 1)}${parameters.join('&')}${url.slice(queryEnd)}`;
}

/** Query and body fields merged; the body wins for POST. */
export function requestFields(req: Request): Record<string, unknown> {
  const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
  return { ...(req.query as Record<string, unknown>), ...body };
}

import type { Request } from 'express';

/** The API key from `X-Api-Key`, `Authorization: Bearer`, or the `api_key` field, in that order. */
export function presentedApiKey(req: Request, fields: Record<string, unknown>): string | undefined {
  const header = req.get('x-api-key');
  if (header) return header.trim();
  const authorization = req.get('authorization');
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  const field = fields.api_key;
  if (typeof field === 'string') return field;
  if (Array.isArray(field) && typeof field[0] === 'string') return field[0];
  return undefined;
}

/** The original URL with every `api_key` value replaced, fit to store and log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:api_key|token)=)[^&#]*/gi, '$1REDACTED');
}

/** Query and body fields merged; the body wins for POST. */
export function requestFields(req: Request): Record<string, unknown> {
  const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
  return { ...(req.query as Record<string, unknown>), ...body };
}

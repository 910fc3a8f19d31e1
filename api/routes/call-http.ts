import type { Request, Response } from 'express';
import type { CallResult } from '../calls/call-answer.js';
import { requestFields } from '../middleware/request-context.js';
import { sendJson } from '../middleware/send-json.js';

/** The fields of a call request (query and body), with the `Idempotency-Key` header as `idempotency_key`. */
export function callFields(req: Request): Record<string, unknown> {
  const fields = requestFields(req);
  const idempotencyKey = req.get('idempotency-key');
  if (idempotencyKey !== undefined) fields.idempotency_key = idempotencyKey;
  return fields;
}

/** Every call-placing entry point answers HTTP 200 with `{"response": …}`, never cached, with `Retry-After` when limited. */
export function sendCallResult(res: Response, { response, retryAfterSeconds }: CallResult): void {
  res.setHeader('Cache-Control', 'no-store');
  if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
  sendJson(res, 200, { response });
}

/** The client's address as Express sees it (after the configured proxies). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

import type { Request } from 'express';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { CallResult } from '../calls/call-answer.js';
import type { BuildCall, Click2CallService } from '../click2call/click2call-service.js';
import { headerValue, presentedApiKey, redactUrl, requestFields } from '../middleware/request-context.js';
import { sendJson } from '../middleware/send-json.js';

/** A call request as HTTP brought it, whichever server read it (Express, or the hot lane for a plain GET). */
export interface CallHttpRequest {
  method: string;
  /** The URL as requested (path and query), before any redaction. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Query and body fields. */
  fields: Record<string, unknown>;
  clientAddress: string;
}

/** Places the call a public entry point was asked for and answers it (SPEC §2): one path for both servers. */
export async function answerCall(service: Click2CallService, build: BuildCall | undefined, request: CallHttpRequest, res: ServerResponse): Promise<void> {
  const fields = withIdempotencyKey(request.fields, request.headers);
  const result = await service.handle(
    { fields, apiKey: presentedApiKey(request.headers, fields), requestUrl: redactUrl(request.url), httpMethod: request.method, clientAddress: request.clientAddress },
    build,
  );
  sendCallResult(res, result);
}

/** The fields of a call request (query and body), with the `Idempotency-Key` header as `idempotency_key`. */
export function callFields(req: Request): Record<string, unknown> {
  return withIdempotencyKey(requestFields(req), req.headers);
}

function withIdempotencyKey(fields: Record<string, unknown>, headers: IncomingHttpHeaders): Record<string, unknown> {
  const idempotencyKey = headerValue(headers, 'idempotency-key');
  return idempotencyKey === undefined ? fields : { ...fields, idempotency_key: idempotencyKey };
}

/** Every call-placing entry point answers HTTP 200 with `{"response": …}`, never cached, with `Retry-After` when limited. */
export function sendCallResult(res: ServerResponse, { response, retryAfterSeconds }: CallResult): void {
  res.setHeader('Cache-Control', 'no-store');
  if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
  sendJson(res, 200, { response });
}

/** The client's address as Express sees it (after the configured proxies). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

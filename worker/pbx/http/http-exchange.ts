/**
 * One HTTP exchange over Node's own client: the request written through the given agent, the answer
 * read as UTF-8 text up to a size cap, all of it within one wall-clock deadline. Nothing else: no
 * redirect is followed, no proxy consulted, nothing decompressed (no Accept-Encoding is sent).
 * Failures are Node's own errors, or the two below, for pbx-http-failure.ts to put into words.
 */
import http, { type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/** The answer went over the size cap; it was cut off there. */
export class AnswerTooLarge extends Error {}

/** The exchange's deadline passed before the whole answer arrived. */
export class DeadlinePassed extends Error {}

export interface ExchangeRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  agent: http.Agent;
  maxResponseBytes: number;
  timeoutMs: number;
  /** Sees the request as soon as it exists (before any byte is written). */
  onRequest?: (request: ClientRequest) => void;
}

export interface ExchangeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function exchange(target: URL, request: ExchangeRequest): Promise<ExchangeAnswer> {
  return new Promise<ExchangeAnswer>((resolve, reject) => {
    const client = target.protocol === 'https:' ? https : http;
    const headers = request.body === undefined ? request.headers : { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) };
    let settled = false;
    /** Settles the exchange once: the first outcome wins, the deadline stops. */
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (err: Error): void => settle(() => reject(err));
    const sent = client.request(target, { method: request.method, headers, agent: request.agent }, (answer) => {
      const declared = Number(answer.headers['content-length']);
      if (declared > request.maxResponseBytes) {
        stop(new AnswerTooLarge(`answer of ${declared} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) stop(new AnswerTooLarge(`answer over ${request.maxResponseBytes} bytes`));
        else chunks.push(chunk);
      });
      answer.on('error', fail);
      answer.on('close', () => {
        if (!answer.complete) fail(new Error('aborted'));
      });
      answer.on('end', () => settle(() => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks, size).toString('utf8') })));
    });
    /** Ends the exchange with this failure and drops the connection (whatever it still carries is unread). */
    const stop = (err: Error): void => {
      fail(err);
      sent.destroy(err);
    };
    const timer = setTimeout(() => stop(new DeadlinePassed(`no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
    sent.on('error', fail);
    request.onRequest?.(sent);
    sent.end(request.body);
  });
}

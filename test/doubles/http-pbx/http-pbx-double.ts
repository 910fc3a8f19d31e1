import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { DoubleAuth } from '../switchvox/double-auth.js';

/** What the double answers for a given `to` number (the call's dial_second). */
export type HttpPbxOutcome =
  | { kind: 'accept'; status?: number; body?: string }
  | { kind: 'refuse'; status: number; body: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'reset' }
  /** A 200 answer of `bytes` bytes: the call was taken, the answer is over the relay's cap. */
  | { kind: 'oversize'; bytes: number }
  /** The call was taken; the answer is announced in full, half of it sent, then the connection closed. */
  | { kind: 'break_off' };

export interface RecordedHttpRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpPbxDoubleOptions {
  /** Outcome per dial_second, read from the `to` query parameter or body field. */
  outcomes?: Record<string, HttpPbxOutcome>;
  /** Basic credentials the double requires; absent = no auth. */
  basic?: { username: string; password: string };
  /** Digest (MD5, qop=auth) credentials the double requires instead. */
  digest?: { username: string; password: string };
  tls?: { key: string; cert: string };
}

export interface HttpPbxDouble {
  url: string;
  port: number;
  requests: RecordedHttpRequest[];
  close(): Promise<void>;
}

const DEFAULT_OUTCOMES: Record<string, HttpPbxOutcome> = {
  '5550199': { kind: 'refuse', status: 422, body: 'ERR 4711: destination barred by PBX' },
  '5550198': { kind: 'slow', delayMs: 3000 },
  '5550197': { kind: 'reset' },
  '5550196': { kind: 'oversize', bytes: 200 * 1024 },
  '5550195': { kind: 'break_off' },
};

function destination(url: URL, body: string): string | undefined {
  const fromQuery = url.searchParams.get('to');
  if (fromQuery) return fromQuery;
  const match = body.match(/"to"\s*:\s*"([^"]*)"|(?:^|&)to=([^&]*)/);
  return match?.[1] ?? (match?.[2] ? decodeURIComponent(match[2]) : undefined);
}

/** An HTTP-driven PBX: accepts calls with 200, refuses some with a body, can be slow or drop the socket. */
export async function startHttpPbxDouble(options: HttpPbxDoubleOptions = {}): Promise<HttpPbxDouble> {
  const outcomes = { ...DEFAULT_OUTCOMES, ...options.outcomes };
  const requests: RecordedHttpRequest[] = [];
  const digest = options.digest ? new DoubleAuth('digest', [{ ...options.digest, role: 'admin' }], true) : undefined;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (options.basic) {
        const expected = `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64')}`;
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="pbx"', 'Content-Type': 'text/plain' }).end('Unauthorized');
          return;
        }
      }
      if (digest && digest.check(req.headers.authorization, req.method ?? 'GET', req.url ?? '/').kind !== 'ok') {
        res.writeHead(401, { 'WWW-Authenticate': digest.challenge(), 'Content-Type': 'text/plain' }).end('Unauthorized');
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200).end();
        return;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const to = destination(new URL(req.url ?? '/', 'http://pbx'), body);
      const outcome = (to && outcomes[to]) || { kind: 'accept' };
      switch (outcome.kind) {
        case 'accept':
          res.writeHead(outcome.status ?? 200, { 'Content-Type': 'application/json' }).end(outcome.body ?? JSON.stringify({ result: 'queued', to }));
          return;
        case 'refuse':
          res.writeHead(outcome.status, { 'Content-Type': 'text/plain' }).end(outcome.body);
          return;
        case 'slow': {
          const timer = setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"result":"late"}'), outcome.delayMs);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'reset':
          req.socket.destroy();
          return;
        case 'oversize':
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end('x'.repeat(outcome.bytes));
          return;
        case 'break_off': {
          const answer = JSON.stringify({ result: 'queued', to, note: 'x'.repeat(64) });
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
          res.write(answer.slice(0, 20), () => res.destroy());
          return;
        }
      }
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A Switchvox box at the wire level, for tests (protocols/switchvox.md §13): HTTPS with a per-box
 * managed CA (or plain HTTP), `POST /json`, Basic or Digest auth, the envelope rules, getInfo and a
 * synchronous switchvox.call whose first leg is scripted per number, plus fault injection.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { DoubleAuth, type DoubleAuthMode, type DoubleUser } from './double-auth.js';
import {
  ERRORS,
  getInfo,
  planCall,
  type DoubleExtension,
  type EmptyGetInfoShape,
  type FirstLegScript,
  type MethodAnswer,
} from './double-methods.js';
import { renderJson } from './double-render.js';
import { sharedSwitchvoxCertificates, type SwitchvoxCertificates } from './switchvox-certs.js';

export type { DoubleExtension, DoubleUser, FirstLegScript };

export interface SwitchvoxDoubleOptions {
  protocol?: 'https' | 'http';
  /** Defaults to one generated box identity shared by the test process. */
  certificates?: SwitchvoxCertificates;
  auth?: DoubleAuthMode;
  /** Digest only: offer qop="auth" (default) or an RFC 2069 challenge. */
  digestQop?: boolean;
  /** Digest only: nonces expire after this long and are then answered 401 `stale=true` (default: never). */
  nonceLifetimeMs?: number;
  users?: DoubleUser[];
  /** Status for well-formed but wrong credentials (default 403, as Digest-era clients report). */
  wrongCredentialsStatus?: 401 | 403;
  /** Block a source address (403 for everything) after this many failed logins. */
  blockAfterFailedLogins?: number;
  /** Accept the legacy `text/json` content type (default: 403, as on 6.5.2+ boxes). */
  acceptLegacyContentType?: boolean;
  extensions?: DoubleExtension[];
  /** First-leg behaviour per number, looked up as dial_first, then as dial_second. */
  scripts?: Record<string, FirstLegScript>;
  defaultScript?: FirstLegScript;
  /** Multiplies every simulated second (ring time, busy delay): 0.01 turns a 30 s ring into 300 ms. */
  timeScale?: number;
  numericScalars?: boolean;
  shuffleKeys?: boolean;
  pretty?: boolean;
  emptyGetInfo?: EmptyGetInfoShape;
}

export type Fault =
  /** Reset the TCP connection once the request arrived; the call still "happens". */
  | { kind: 'reset' }
  /** Answer `ms` real milliseconds later than the simulation would. */
  | { kind: 'delay'; ms: number }
  | { kind: 'http_500' }
  /** Send only the first half of the JSON answer (well framed, so the body itself is malformed). */
  | { kind: 'truncated_json' }
  /** Announce the whole answer, send half of it and close the connection. */
  | { kind: 'break_off' }
  /** A 200 answer of `bytes` bytes (padding inside the JSON), e.g. over the client's cap. */
  | { kind: 'oversize'; bytes: number }
  /** A reverse proxy in front of the box giving up after forwarding the request (the call still happens). */
  | { kind: 'gateway'; status: 502 | 503 | 504 };

export interface RecordedRequest {
  receivedAt: number;
  httpMethod: string;
  path: string;
  remoteAddress: string;
  /** Scheme of the Authorization header (`basic`, `digest`, …) or `none`; the credentials are not kept. */
  authScheme: string;
  authenticated: boolean;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The API method, once the envelope parsed. */
  method?: string;
  parameters?: Record<string, unknown>;
  status?: number;
}

export interface SwitchvoxDouble {
  url: string;
  /** The box's managed CA (undefined over plain HTTP). */
  caPem: string | undefined;
  requests(): RecordedRequest[];
  /** Authenticated switchvox.call requests whose envelope parsed: each one would ring a phone. */
  calls(): RecordedRequest[];
  /** Applies `fault` to the next request for `method` (any method when omitted). */
  injectFault(fault: Fault, method?: string): void;
  close(): Promise<void>;
}

export const DEFAULT_USERS: DoubleUser[] = [
  { username: 'admin', password: 'admin-secret', role: 'admin' },
  { username: '101', password: 'ext-secret', role: 'extension' },
];

export const DEFAULT_EXTENSIONS: DoubleExtension[] = [
  { number: '101', account_id: '1106', display: 'Dana Scully', callApiPrefix: '9' },
  { number: '104', account_id: '1110', display: 'David Podolsky' },
  { number: '1001', account_id: '1107', display: 'Fox Mulder' },
];

const MAX_BODY = 1024 * 1024;

/** Sends a TCP RST. A TLS socket cannot reset itself; its (undocumented) `_parent` is the TCP socket. */
function resetConnection(socket: net.Socket | null): void {
  if (socket === null) return;
  const tcp = (socket as net.Socket & { _parent?: net.Socket })._parent ?? socket;
  tcp.resetAndDestroy();
  socket.destroy();
}
/** The same JSON document grown to `bytes` bytes with whitespace before its closing brace. */
const padded = (body: string, bytes: number): string => `${body.trimEnd().slice(0, -1)}${' '.repeat(Math.max(0, bytes - body.length))}}`;
const html = (title: string): string => `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;

export async function startSwitchvoxDouble(options: SwitchvoxDoubleOptions = {}): Promise<SwitchvoxDouble> {
  const protocol = options.protocol ?? 'https';
  const certificates = protocol === 'https' ? (options.certificates ?? (await sharedSwitchvoxCertificates())) : undefined;
  const auth = new DoubleAuth(options.auth ?? 'basic', options.users ?? DEFAULT_USERS, options.digestQop ?? true, options.nonceLifetimeMs);
  const directory = options.extensions ?? DEFAULT_EXTENSIONS;
  const scripts = new Map(Object.entries(options.scripts ?? {}));
  const defaultScript = options.defaultScript ?? { outcome: 'answer' };
  const timeScale = options.timeScale ?? 1;
  const render = {
    numericScalars: options.numericScalars ?? false,
    shuffleKeys: options.shuffleKeys ?? false,
    pretty: options.pretty ?? true,
  };
  const recorded: RecordedRequest[] = [];
  const faults: { fault: Fault; method: string | undefined }[] = [];
  const failedLogins = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  function takeFault(method: string | undefined): Fault | undefined {
    const index = faults.findIndex((f) => f.method === undefined || f.method === method);
    return index < 0 ? undefined : faults.splice(index, 1)[0]?.fault;
  }

  function later(ms: number, action: () => void, res: http.ServerResponse): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
    // A client that gives up does not cancel the call on a real box; the double just stops holding.
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  function send(res: http.ServerResponse, entry: RecordedRequest, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
    entry.status = status;
    if (res.destroyed) return;
    const type = status === 200 ? 'application/json; charset=UTF-8' : 'text/html; charset=UTF-8';
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function breakOff(res: http.ServerResponse, entry: RecordedRequest, body: string): void {
    entry.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(body) });
    res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
  }

  function respond(res: http.ServerResponse, entry: RecordedRequest, envelope: Record<string, unknown>, holdMs: number): void {
    const fault = takeFault(entry.method);
    if (fault?.kind === 'reset') {
      entry.status = 0;
      resetConnection(res.socket);
      return;
    }
    const delay = holdMs + (fault?.kind === 'delay' ? fault.ms : 0);
    later(delay, () => {
      if (fault?.kind === 'http_500') return send(res, entry, 500, html('500 Internal Server Error'));
      if (fault?.kind === 'gateway') return send(res, entry, fault.status, html(`${fault.status} Gateway Error`));
      const body = renderJson(envelope, render);
      if (fault?.kind === 'break_off') return breakOff(res, entry, body);
      if (fault?.kind === 'oversize') return send(res, entry, 200, padded(body, fault.bytes));
      send(res, entry, 200, fault?.kind === 'truncated_json' ? body.slice(0, Math.floor(body.length / 2)) : body);
    }, res);
  }

  function answerEnvelope(method: string | undefined, answer: MethodAnswer, transactionId: unknown): Record<string, unknown> {
    return {
      response: {
        ...(method === undefined ? {} : { method }),
        ...('result' in answer ? { result: answer.result } : { errors: { error: answer.errors } }),
        ...(typeof transactionId === 'string' || typeof transactionId === 'number' ? { transaction_id: transactionId } : {}),
      },
    };
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const remoteAddress = req.socket.remoteAddress ?? '';
    const { authorization, cookie, ...headers } = req.headers;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const entry: RecordedRequest = {
      receivedAt: Date.now(),
      httpMethod: req.method ?? '',
      path,
      remoteAddress,
      authScheme: authorization ? (authorization.split(' ')[0] ?? '').toLowerCase() : 'none',
      authenticated: false,
      headers,
      body,
    };
    recorded.push(entry);
    const blockAfter = options.blockAfterFailedLogins;
    if (blockAfter !== undefined && (failedLogins.get(remoteAddress) ?? 0) >= blockAfter) {
      return send(res, entry, 403, html('403 Forbidden'));
    }
    if (path !== '/json') return send(res, entry, 404, html('404 Not Found'));

    const verdict = auth.check(authorization, entry.httpMethod, req.url ?? '');
    if (verdict.kind !== 'ok') {
      if (verdict.kind === 'wrong') failedLogins.set(remoteAddress, (failedLogins.get(remoteAddress) ?? 0) + 1);
      const status = verdict.kind === 'wrong' ? (options.wrongCredentialsStatus ?? 403) : 401;
      const challenge = status === 401 ? { 'WWW-Authenticate': auth.challenge({ stale: verdict.kind === 'stale' }) } : {};
      return send(res, entry, status, html(status === 401 ? '401 Authorization Required' : '403 Forbidden'), challenge);
    }
    entry.authenticated = true;
    if (req.method !== 'POST') return respond(res, entry, answerEnvelope(undefined, { errors: [ERRORS.emptyRequest] }, undefined), 0);

    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const legacyOk = options.acceptLegacyContentType === true && mediaType === 'text/json';
    if (mediaType !== 'application/json' && !legacyOk) return send(res, entry, 403, html('403 Forbidden'));

    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const request = (parsed as { request?: Record<string, unknown> } | undefined)?.request;
    const method = typeof request?.method === 'string' ? request.method : undefined;
    if (request === undefined || typeof request !== 'object' || method === undefined) {
      return respond(res, entry, answerEnvelope(undefined, { errors: [ERRORS.notStructured] }, request?.transaction_id), 0);
    }
    const rawParameters = request.parameters;
    const parameters = typeof rawParameters === 'object' && rawParameters !== null ? (rawParameters as Record<string, unknown>) : {};
    entry.method = method;
    entry.parameters = parameters;
    const reply = (answer: MethodAnswer, holdSeconds = 0): void =>
      respond(res, entry, answerEnvelope(method, answer, request.transaction_id), holdSeconds * 1000 * timeScale);

    if (method !== 'switchvox.extensions.getInfo' && method !== 'switchvox.call') {
      return reply({ errors: [ERRORS.unknownMethod(method)] });
    }
    if (verdict.user.role !== 'admin') return reply({ errors: [ERRORS.permissionDenied] });
    if (method === 'switchvox.extensions.getInfo') return reply(getInfo(parameters, directory, options.emptyGetInfo ?? 'object'));
    const plan = planCall(parameters, directory, (first, second) => scripts.get(first) ?? scripts.get(second) ?? defaultScript);
    return reply(plan.answer, plan.holdSeconds);
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  };
  const server =
    certificates === undefined
      ? http.createServer(listener)
      : https.createServer({ key: certificates.keyPem, cert: certificates.chainPem, minVersion: 'TLSv1.2' }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `${protocol}://127.0.0.1:${port}`,
    caPem: certificates?.caPem,
    requests: () => [...recorded],
    calls: () => recorded.filter((r) => r.authenticated && r.method === 'switchvox.call'),
    injectFault: (fault, method) => {
      faults.push({ fault, method });
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The one HTTP client for PBXes (Switchvox and `other`): Node's own client over keep-alive agents
 * with the TLS policy, no proxy (a PBX's access control allow-lists the relay's own address, and an
 * ambient HTTP_PROXY must not reroute calls), no redirects, a bounded answer, one deadline per
 * request, the address guard, and the one failure rule of pbx-http-failure.ts. Every status is
 * returned for the driver to judge; only transport failures (and, where asked, gateway errors)
 * throw, always as AppError.
 */
import type http from 'node:http';
import { AppError } from '../../../shared/errors.js';
import { assertHostAllowed, type AddressPolicy } from './address-policy.js';
import { FirstByteWatch } from './first-byte-watch.js';
import { DeadlinePassed, exchange } from './http-exchange.js';
import { createPbxAgent, type PbxTls } from './pbx-http-agent.js';
import { callOutcomeUnknown, translateFailure, type PbxRequestPurpose } from './pbx-http-failure.js';

export type { PbxRequestPurpose };

export interface PbxHttpClientOptions extends AddressPolicy {
  tls: PbxTls;
  /** Whether the PBX kind has a `ca_pem` setting: certificate errors then advise pinning. */
  pinnable: boolean;
  maxResponseBytes: number;
  /**
   * Switchvox answers only 200, 401, 403 and 500 itself: a 502/503/504 comes from something in front
   * of it that may have forwarded the call request. (For `other`, every status is the PBX's verdict.)
   */
  gatewayErrorsMayHaveForwarded: boolean;
}

export interface PbxHttpRequest {
  method: 'GET' | 'POST' | 'HEAD';
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  /** Only a `call` request can ring a phone: only its failures after the first byte are outcome-unknown. */
  purpose: PbxRequestPurpose;
}

export interface PbxHttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

const GATEWAY_ERRORS = new Set([502, 503, 504]);

/** Sent unless the request names its own. */
const DEFAULT_HEADERS: Readonly<Record<string, string>> = { 'User-Agent': 'c2c-relay', Accept: '*/*' };

export class PbxHttpClient {
  private readonly agents: { 'http:': http.Agent; 'https:': http.Agent };

  constructor(private readonly options: PbxHttpClientOptions) {
    this.agents = { 'http:': createPbxAgent('http:', options.tls, options), 'https:': createPbxAgent('https:', options.tls, options) };
  }

  async request(request: PbxHttpRequest): Promise<PbxHttpResponse> {
    const target = parseTarget(request.url);
    assertHostAllowed(target.hostname, this.options);
    const watch = new FirstByteWatch();
    try {
      const response = await exchange(target, {
        method: request.method,
        headers: withDefaults(request.headers),
        body: request.body,
        agent: this.agents[target.protocol as 'http:' | 'https:'],
        maxResponseBytes: this.options.maxResponseBytes,
        // One wall-clock deadline for connect, send and answer alike.
        timeoutMs: request.timeoutMs,
        onRequest: (sent) => watch.watch(sent),
      });
      if (request.purpose === 'call' && this.options.gatewayErrorsMayHaveForwarded && GATEWAY_ERRORS.has(response.status)) {
        const code = response.status === 504 ? 'pbx_timeout' : 'pbx_unreachable';
        throw callOutcomeUnknown(code, `A gateway in front of the PBX answered HTTP ${response.status}`);
      }
      return { status: response.status, headers: flatHeaders(response.headers), body: response.body };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw translateFailure(err, {
        purpose: request.purpose,
        firstByteWritten: watch.firstByteWritten,
        timedOut: err instanceof DeadlinePassed,
        timeoutMs: request.timeoutMs,
        host: target.host,
        maxResponseBytes: this.options.maxResponseBytes,
        tls: { pinned: Boolean(this.options.tls.caPem), pinnable: this.options.pinnable },
      });
    }
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

function withDefaults(headers: Record<string, string>): Record<string, string> {
  const named = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const merged = { ...headers };
  for (const [name, value] of Object.entries(DEFAULT_HEADERS)) if (!named.has(name.toLowerCase())) merged[name] = value;
  return merged;
}

/** Settings are checked when they are set; this only keeps a bad stored URL from throwing ERR_INVALID_URL (which carries the URL). */
function parseTarget(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new AppError('pbx_not_configured', "The PBX connection's URL is not a valid http(s) URL; the connection must be set again.");
  }
  return url;
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  // Node gives the names in lower case already.
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

import { randomBytes } from 'node:crypto';
import type { OtherSettings } from '../../../shared/accounts/pbx-settings.js';
import { ESCAPE, fillSlots } from '../../../shared/accounts/pbx-template.js';
import { AppError } from '../../../shared/errors.js';
import type { AddressPolicy } from '../http/address-policy.js';
import { PbxHttpClient, type PbxHttpRequest, type PbxHttpResponse } from '../http/pbx-http-client.js';
import { digestAuthorization, findDigestChallenge, parseAuthenticate } from '../http-auth/digest-auth.js';
import type { CallAccepted, CallObserver, DriverDeps, PbxDriver, PbxTestResult, PlaceCall } from '../pbx-driver.js';
import { buildHttpCall, describeHttpCall, isSuccess, secretOf, type HttpCallRequest } from './http-template.js';

export type HttpDriverOptions = AddressPolicy;

const MAX_BODY_BYTES = 64 * 1024;

/** The generic driver: one templated HTTP request per call; the PBX's status and body are the verdict. */
export function createHttpDriver(settings: OtherSettings, deps: DriverDeps & HttpDriverOptions): PbxDriver {
  const client = new PbxHttpClient({
    allowPrivateAddresses: deps.allowPrivateAddresses,
    tls: { verify: true },
    pinnable: false,
    maxResponseBytes: MAX_BODY_BYTES,
    gatewayErrorsMayHaveForwarded: false,
  });

  function authHeaders(): Record<string, string> {
    const auth = settings.auth;
    if (!auth || auth.type === 'digest') return {};
    if (auth.type === 'bearer') return { Authorization: `Bearer ${auth.token ?? ''}` };
    return { Authorization: `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}` };
  }

  async function send(request: Omit<PbxHttpRequest, 'timeoutMs'>): Promise<PbxHttpResponse> {
    const sent = { ...request, headers: { ...request.headers, ...authHeaders() }, timeoutMs: settings.timeout_ms };
    const first = await client.request(sent);
    if (first.status !== 401 || settings.auth?.type !== 'digest') return first;
    // Digest: the 401 carries the nonce; the PBX refused the first request, so answering it places one call.
    const challenge = findDigestChallenge(parseAuthenticate(first.headers['www-authenticate'] ?? ''));
    if (!challenge) return first;
    const url = new URL(request.url);
    const authorization = digestAuthorization({
      challenge,
      username: settings.auth.username ?? '',
      password: settings.auth.password ?? '',
      method: request.method,
      uri: `${url.pathname}${url.search}`,
      nc: 1,
      cnonce: randomBytes(8).toString('hex'),
    });
    return client.request({ ...sent, headers: { ...request.headers, Authorization: authorization } });
  }

  return {
    async placeCall(call: PlaceCall, observer: CallObserver): Promise<CallAccepted> {
      const request: HttpCallRequest = buildHttpCall(settings, call);
      await observer.dispatching(describeHttpCall(settings, call));
      const response = await send({ ...request, purpose: 'call' });
      const responseData = { status: response.status, body: parseBody(response.body) };
      if (isSuccess(settings, response.status, response.body)) return { responseData };
      const message = response.body.trim() === '' ? `HTTP ${response.status}` : response.body;
      const code = response.status === 401 || response.status === 403 ? 'pbx_auth_failed' : 'pbx_error';
      // The body is the error's message (the PBX's own words): stored once, not again as response data.
      throw new AppError(code, message, { responseData: { status: response.status } });
    },

    async test(): Promise<PbxTestResult> {
      // A HEAD request authenticates and reaches the PBX without triggering a call.
      try {
        const url = checkUrl(settings);
        const response = await send({ method: 'HEAD', url: url.toString(), headers: {}, purpose: 'check' });
        const ok = response.status < 400 || response.status === 405;
        return { ok, detail: `HTTP ${response.status} from ${url.host}${response.status === 401 || response.status === 403 ? ' (credentials refused)' : ''}` };
      } catch (err) {
        return { ok: false, detail: err instanceof AppError ? err.message : 'unexpected error' };
      }
    },

    async close(): Promise<void> {
      client.close();
    },
  };
}

/** The call URL's path with its secrets, without the query that would carry the call's numbers. */
function checkUrl(settings: OtherSettings): URL {
  const filled = fillSlots(settings.url, { call: {}, secret: secretOf(settings) }, ESCAPE.url);
  if (!URL.canParse(filled)) throw new AppError('pbx_not_configured', "The PBX connection's URL is not valid; the connection must be set again.");
  const url = new URL(filled);
  url.search = '';
  url.hash = '';
  return url;
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

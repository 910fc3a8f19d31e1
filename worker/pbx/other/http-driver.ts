import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { OtherSettings } from '../../../shared/accounts/pbx-settings.js';
import { AppError } from '../../../shared/errors.js';
import type { CallAccepted, CallObserver, DriverDeps, PbxDriver, PbxTestResult, PlaceCall } from '../pbx-driver.js';
import { digestAuthorization, findDigestChallenge, parseAuthenticate } from '../http-auth/digest-auth.js';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from './address-guard.js';
import { buildHttpCall, isSuccess, redactHttpCall, type HttpCallRequest } from './http-template.js';

export interface HttpDriverOptions {
  allowPrivateAddresses: boolean;
}

const MAX_BODY_BYTES = 64 * 1024;

/** The generic driver: one templated HTTP request per call; the PBX's status and body are the verdict. */
export function createHttpDriver(settings: OtherSettings, deps: DriverDeps & HttpDriverOptions): PbxDriver {
  const agentOptions = { keepAlive: true, ...(deps.allowPrivateAddresses ? {} : { lookup: guardedLookup }) };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const client: AxiosInstance = axios.create({
    httpAgent,
    httpsAgent,
    timeout: settings.timeout_ms,
    maxRedirects: 0,
    maxContentLength: MAX_BODY_BYTES,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    // Every status is a verdict for us to judge, not an exception.
    validateStatus: () => true,
  });

  function authHeaders(): Record<string, string> {
    const auth = settings.auth;
    if (!auth || auth.type === 'digest') return {};
    if (auth.type === 'bearer') return { Authorization: `Bearer ${auth.token ?? ''}` };
    return { Authorization: `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}` };
  }

  function checkDestination(url: string): void {
    if (deps.allowPrivateAddresses) return;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    // Literal IPs never reach the DNS lookup hook, so they are checked here.
    if (isPrivateAddress(host) || host === 'localhost') {
      throw new AppError('pbx_unreachable', `The PBX address ${host} is loopback, link-local or private; the operator must set ALLOW_PRIVATE_PBX_ADDRESSES=true to allow it.`);
    }
  }

  async function send(request: HttpCallRequest): Promise<AxiosResponse<string>> {
    try {
      const first = await client.request<string>({ method: request.method, url: request.url, headers: { ...request.headers, ...authHeaders() }, data: request.body });
      if (first.status !== 401 || settings.auth?.type !== 'digest') return first;
      // Digest: the 401 carries the nonce; the PBX refused the first request, so answering it places one call.
      const challenge = findDigestChallenge(parseAuthenticate(String(first.headers['www-authenticate'] ?? '')));
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
      return await client.request<string>({ method: request.method, url: request.url, headers: { ...request.headers, Authorization: authorization }, data: request.body });
    } catch (err) {
      throw translate(err, 'call');
    }
  }

  return {
    async placeCall(call: PlaceCall, observer: CallObserver): Promise<CallAccepted> {
      const request = buildHttpCall(settings, call);
      checkDestination(request.url);
      await observer.dispatching(redactHttpCall(request));
      const response = await send(request);
      const body = typeof response.data === 'string' ? response.data : String(response.data ?? '');
      const responseData = { status: response.status, body: parseBody(body) };
      if (isSuccess(settings, response.status, body)) return { responseData };
      const message = body.trim() === '' ? `HTTP ${response.status}` : body;
      const code = response.status === 401 || response.status === 403 ? 'pbx_auth_failed' : 'pbx_error';
      throw new AppError(code, message, { responseData });
    },

    async test(): Promise<PbxTestResult> {
      // A HEAD request authenticates and reaches the PBX without triggering a call.
      try {
        const url = new URL(settings.url);
        url.search = '';
        checkDestination(url.toString());
        const response = await client.request({ method: 'HEAD', url: url.toString(), headers: authHeaders() });
        const ok = response.status < 400 || response.status === 405;
        return { ok, detail: `HTTP ${response.status} from ${url.host}${response.status === 401 || response.status === 403 ? ' (credentials refused)' : ''}` };
      } catch (err) {
        return { ok: false, detail: translate(err, 'test').message };
      }
    },

    async close(): Promise<void> {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function translate(err: unknown, purpose: 'call' | 'test'): AppError {
  if (err instanceof AppError) return err;
  const cause = err instanceof AxiosError ? err.cause ?? err : err;
  if (cause instanceof PrivateAddressError) {
    return new AppError('pbx_unreachable', `The PBX host resolves to ${cause.address}, a loopback, link-local or private address; the operator must set ALLOW_PRIVATE_PBX_ADDRESSES=true to allow it.`, { cause: err });
  }
  // A timeout or a dropped connection may come after the PBX got the call request: it may be ringing.
  const call = purpose === 'call';
  if (err instanceof AxiosError && (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT')) {
    const message = call ? 'The PBX did not answer in time; the call may still be placed, so it was not retried.' : 'The PBX did not answer in time.';
    return new AppError('pbx_timeout', message, { cause: err, outcomeUnknown: call });
  }
  const code = err instanceof AxiosError ? err.code ?? 'error' : 'error';
  const reset = code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(err instanceof Error ? err.message : '');
  if (call && reset) {
    return new AppError('pbx_unreachable', `The PBX dropped the connection (${code}) after the call request was sent; the call may have been placed, so it was not retried.`, { cause: err, outcomeUnknown: true });
  }
  return new AppError('pbx_unreachable', `The PBX could not be reached (${code}).`, { cause: err });
}

/**
 * The Switchvox side of one box: `POST <url>/json` with Basic or Digest auth, answering at most one
 * 401 challenge per request (a 401 means the box did not act, so answering it sends the call once).
 * 401/403 become pbx_auth_failed; transport failures are translated by the shared PBX HTTP client;
 * everything else is classified by switchvox-api.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { SwitchvoxSettings } from '../../../shared/accounts/pbx-settings.js';
import { AppError } from '../../../shared/errors.js';
import {
  digestAuthorization,
  findDigestChallenge,
  parseAuthenticate,
  unsupportedDigest,
  type DigestChallenge,
} from '../http-auth/digest-auth.js';
import type { AddressPolicy } from '../http/address-policy.js';
import { PbxHttpClient, type PbxRequestPurpose } from '../http/pbx-http-client.js';
import { classifyResponse, type SwitchvoxEnvelope, type SwitchvoxOutcome } from './switchvox-api.js';

export type AuthScheme = 'basic' | 'digest';

interface RawAnswer {
  status: number;
  body: string;
  challenge: string;
}

interface Credentials {
  header: string | undefined;
  /** A Digest answer built from an earlier challenge; its nonce may have gone stale. */
  reusedNonce: boolean;
}

const MAX_BODY_BYTES = 1024 * 1024;
const BLOCK_HINT =
  'Repeated failed logins can make the PBX block the relay\'s IP address for every account on that box ("Never Block IP" in Access Control prevents that).';

export class SwitchvoxClient {
  private readonly http: PbxHttpClient;
  private readonly endpoint: string;
  private readonly path: string;
  /** Undefined until `auth: auto` has seen the box's first challenge; then remembered. */
  private scheme: AuthScheme | undefined;
  private digest: { challenge: DigestChallenge; nc: number } | undefined;

  constructor(
    private readonly settings: SwitchvoxSettings,
    private readonly logger: Logger,
    policy: AddressPolicy,
  ) {
    this.endpoint = `${settings.url.replace(/\/+$/, '')}/json`;
    // The URL was checked when it was set; this only keeps a bad stored one from throwing here.
    this.path = URL.canParse(this.endpoint) ? new URL(this.endpoint).pathname : '/json';
    this.scheme = settings.auth === 'auto' ? undefined : settings.auth;
    if (!this.endpoint.startsWith('https:')) logger.warn('switchvox url is plain http: credentials and calls travel unencrypted');
    else if (!settings.tls_verify) logger.warn('switchvox tls_verify is false: the PBX certificate is not checked (lab use only)');
    this.http = new PbxHttpClient({
      ...policy,
      tls: { verify: settings.tls_verify, caPem: settings.ca_pem },
      pinnable: true,
      maxResponseBytes: MAX_BODY_BYTES,
      gatewayErrorsMayHaveForwarded: true,
    });
  }

  get authScheme(): AuthScheme | undefined {
    return this.scheme;
  }

  /** Sends one envelope; never retries after the body went out (a 401 means the box did not act on it). */
  async post(envelope: SwitchvoxEnvelope, timeoutMs: number, purpose: PbxRequestPurpose): Promise<SwitchvoxOutcome> {
    const body = JSON.stringify(envelope);
    let credentials = this.credentials();
    let answer = await this.send(body, credentials.header, timeoutMs, purpose);
    if (answer.status === 401 && (credentials.header === undefined || credentials.reusedNonce)) {
      this.learn(answer.challenge);
      credentials = this.credentials();
      if (credentials.header === undefined) throw this.authFailed(answer);
      answer = await this.send(body, credentials.header, timeoutMs, purpose);
    }
    if (answer.status === 401 || answer.status === 403) throw this.authFailed(answer);
    return classifyResponse(answer.status, answer.body);
  }

  close(): void {
    this.http.close();
  }

  private credentials(): Credentials {
    if (this.scheme === 'basic') {
      const token = Buffer.from(`${this.settings.username}:${this.settings.password}`, 'utf8').toString('base64');
      return { header: `Basic ${token}`, reusedNonce: false };
    }
    if (this.scheme === 'digest' && this.digest !== undefined) {
      this.digest.nc += 1;
      const header = digestAuthorization({
        challenge: this.digest.challenge,
        username: this.settings.username,
        password: this.settings.password,
        method: 'POST',
        uri: this.path,
        nc: this.digest.nc,
        cnonce: randomBytes(12).toString('hex'),
      });
      return { header, reusedNonce: this.digest.nc > 1 };
    }
    return { header: undefined, reusedNonce: false };
  }

  /** Reads the scheme from a 401 challenge (auto mode) and keeps a Digest nonce for the next requests. */
  private learn(header: string): void {
    const challenges = parseAuthenticate(header);
    const digest = findDigestChallenge(challenges);
    if (digest !== undefined && this.scheme !== 'basic') {
      const problem = unsupportedDigest(digest);
      if (problem !== undefined) throw new AppError('pbx_auth_failed', `The PBX's login challenge cannot be answered: ${problem}.`);
      this.digest = { challenge: digest, nc: 0 };
      if (this.scheme === undefined) this.logger.info({ scheme: 'digest' }, 'switchvox auth scheme detected');
      this.scheme = 'digest';
    } else if (this.scheme === undefined && challenges.some((c) => c.scheme === 'basic')) {
      this.logger.info({ scheme: 'basic' }, 'switchvox auth scheme detected');
      this.scheme = 'basic';
    }
  }

  private authFailed(answer: RawAnswer): AppError {
    const offered = parseAuthenticate(answer.challenge).map((c) => c.scheme);
    let hint = '';
    if (this.scheme === 'basic' && offered.includes('digest')) {
      hint = ' The PBX asks for Digest authentication (Switchvox 6.5 or older): set auth to "digest" or "auto".';
    } else if (this.scheme === 'digest' && offered.includes('basic') && !offered.includes('digest')) {
      hint = ' The PBX asks for Basic authentication (Switchvox 6.6 or later): set auth to "basic" or "auto".';
    }
    const what =
      answer.status === 401
        ? 'The PBX refused the relay\'s login (HTTP 401): check the username and password (an admin, or a sub-admin with read/write on "Manage Extensions").'
        : 'The PBX refused the request (HTTP 403): wrong username or password, or the relay\'s IP address is not allowed ("Admin API" in Access Control) or has been blocked.';
    this.logger.warn({ status: answer.status, scheme: this.scheme }, 'switchvox login refused');
    return new AppError('pbx_auth_failed', `${what}${hint} ${BLOCK_HINT}`);
  }

  private async send(body: string, authorization: string | undefined, timeoutMs: number, purpose: PbxRequestPurpose): Promise<RawAnswer> {
    const response = await this.http.request({
      method: 'POST',
      url: this.endpoint,
      headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
      body,
      timeoutMs,
      purpose,
    });
    return { status: response.status, body: response.body, challenge: response.headers['www-authenticate'] ?? '' };
  }
}

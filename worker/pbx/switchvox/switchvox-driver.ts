/**
 * The Switchvox driver: resolve dial_as to an account id (`switchvox.extensions.getInfo`, cached),
 * then one `switchvox.call`, which returns only once the first leg answered (or failed after
 * `timeout` seconds). The call request is never retried: a lost answer may still ring people.
 */
import type { Logger } from 'pino';
import type { SwitchvoxSettings } from '../../../shared/accounts/pbx-settings.js';
import { AppError } from '../../../shared/errors.js';
import type { CallAccepted, CallObserver, DriverDeps, PbxDriver, PbxTestResult, PlaceCall } from '../pbx-driver.js';
import {
  accountIdFromGetInfo,
  buildCallRequest,
  buildGetInfoRequest,
  describeApiErrors,
  type SwitchvoxEnvelope,
  type SwitchvoxOutcome,
} from './switchvox-api.js';
import type { AddressPolicy } from '../http/address-policy.js';
import type { PbxRequestPurpose } from '../http/pbx-http-client.js';
import { SwitchvoxClient } from './switchvox-client.js';

/** Timings; production uses the defaults, tests shorten them instead of waiting real minutes. */
export interface SwitchvoxDriverTuning {
  accountTtlMs: number;
  lookupTimeoutMs: number;
  /** switchvox.call holds the request while the first leg rings; this margin covers the PBX's own overhead. */
  callMarginSeconds: number;
  /** After a refused login, stop knocking for a while: the box may block the relay's IP after failed logins. */
  authBackoffMs: number;
}

const DEFAULT_TUNING: SwitchvoxDriverTuning = {
  accountTtlMs: 60_000,
  lookupTimeoutMs: 10_000,
  callMarginSeconds: 15,
  authBackoffMs: 30_000,
};
/** Any syntactically valid number works for test(): getInfo leaves unknown extensions out silently. */
const PROBE_EXTENSION = '100';
/** getInfo's "invalid extension" codes: the number cannot exist on the box. */
const INVALID_EXTENSION_CODES = new Set(['10010', '10012']);
/** Codes that say the cached account id is wrong (§8.3): forget it so the next call looks it up again. */
const ACCOUNT_CODES = new Set(['84711', '10014']);

interface CachedAccount {
  accountId: Promise<string>;
  expiresAt: number;
}

class SwitchvoxDriver implements PbxDriver {
  private readonly client: SwitchvoxClient;
  private readonly accounts = new Map<string, CachedAccount>();
  private authBlockedUntil = 0;

  constructor(
    private readonly settings: SwitchvoxSettings,
    private readonly logger: Logger,
    private readonly tuning: SwitchvoxDriverTuning,
    policy: AddressPolicy,
  ) {
    this.client = new SwitchvoxClient(settings, logger, policy);
  }

  async placeCall(call: PlaceCall, observer: CallObserver): Promise<CallAccepted> {
    const dialAsAccountId = await this.resolveDialAs(call.dialAs, call.requestId);
    const envelope = buildCallRequest(
      { dialFirst: call.dialFirst, dialSecond: call.dialSecond, dialAsAccountId, timeoutSeconds: call.timeoutSeconds, ...callVariables(call) },
      call.requestId,
    );
    // What is recorded is exactly the body that is sent (a copy, so the record cannot alter the request);
    // credentials travel only in the Authorization header.
    await observer.dispatching(structuredClone(envelope) as unknown as Record<string, unknown>);
    const outcome = await this.exchange(envelope, (call.timeoutSeconds + this.tuning.callMarginSeconds) * 1000, 'call');
    this.logger.info({ request_id: call.requestId, outcome: outcome.kind }, 'switchvox call request answered');
    if (outcome.kind === 'ok') {
      // switchvox.call returns only once leg 1 answered; report it after the acceptance itself.
      setImmediate(() => observer.progress({ event: 'first_answered', leg: 1 }));
      return { responseData: outcome.document };
    }
    if (outcome.kind === 'api_error' && outcome.errors.some((e) => ACCOUNT_CODES.has(e.code))) {
      this.accounts.delete(call.dialAs);
    }
    throw failure(outcome, 'the call request');
  }

  async test(): Promise<PbxTestResult> {
    try {
      const outcome = await this.client.post(buildGetInfoRequest(PROBE_EXTENSION), this.tuning.lookupTimeoutMs, 'lookup');
      const readable =
        outcome.kind === 'ok' ||
        (outcome.kind === 'api_error' && outcome.errors.every((e) => INVALID_EXTENSION_CODES.has(e.code)));
      if (readable) {
        this.authBlockedUntil = 0;
        const scheme = this.client.authScheme === 'digest' ? 'Digest' : 'Basic';
        return { ok: true, detail: `Logged in with ${scheme} auth over ${describeTrust(this.settings)}; extension lookups work.` };
      }
      if (outcome.kind === 'api_error') {
        return {
          ok: false,
          detail: `Logged in, but the PBX refused an extension lookup: ${describeApiErrors(outcome.errors)}. The login needs read/write on "Manage Extensions".`,
        };
      }
      return { ok: false, detail: failure(outcome, 'an extension lookup').message };
    } catch (err) {
      return { ok: false, detail: err instanceof AppError ? err.message : 'unexpected error' };
    }
  }

  async close(): Promise<void> {
    this.accounts.clear();
    this.client.close();
  }

  /** Concurrent calls for the same dial_as share one lookup; failures are not cached. */
  private resolveDialAs(extension: string, requestId: string): Promise<string> {
    const now = Date.now();
    const cached = this.accounts.get(extension);
    if (cached !== undefined && cached.expiresAt > now) return cached.accountId;
    const entry: CachedAccount = { accountId: this.lookUp(extension, requestId), expiresAt: now + this.tuning.accountTtlMs };
    this.accounts.set(extension, entry);
    entry.accountId.catch(() => {
      if (this.accounts.get(extension) === entry) this.accounts.delete(extension);
    });
    return entry.accountId;
  }

  private async lookUp(extension: string, requestId: string): Promise<string> {
    const outcome = await this.exchange(buildGetInfoRequest(extension, requestId), this.tuning.lookupTimeoutMs, 'lookup');
    if (outcome.kind === 'ok') {
      const accountId = accountIdFromGetInfo(outcome.result, extension);
      if (accountId !== undefined) return accountId;
      throw new AppError('dial_as_not_found', `Extension ${extension} (dial_as) does not exist on the PBX.`, {
        responseData: outcome.document,
      });
    }
    if (outcome.kind === 'api_error' && outcome.errors.every((e) => INVALID_EXTENSION_CODES.has(e.code))) {
      throw new AppError('dial_as_not_found', describeApiErrors(outcome.errors), { responseData: outcome.document });
    }
    throw failure(outcome, 'the dial_as lookup');
  }

  /** Fails fast while a recent login refusal stands, and starts that period when the box refuses one. */
  private async exchange(envelope: SwitchvoxEnvelope, timeoutMs: number, purpose: PbxRequestPurpose): Promise<SwitchvoxOutcome> {
    if (Date.now() < this.authBlockedUntil) {
      throw new AppError(
        'pbx_auth_failed',
        'The PBX refused the relay\'s login moments ago; not trying again yet, so the PBX does not block the relay\'s IP address.',
      );
    }
    try {
      const outcome = await this.client.post(envelope, timeoutMs, purpose);
      this.authBlockedUntil = 0;
      return outcome;
    } catch (err) {
      if (err instanceof AppError && err.code === 'pbx_auth_failed') this.authBlockedUntil = Date.now() + this.tuning.authBackoffMs;
      throw err;
    }
  }
}

/** One line for `test()`: how the TLS connection is trusted. */
function describeTrust(settings: SwitchvoxSettings): string {
  if (!settings.url.startsWith('https:')) return 'plain HTTP (unencrypted)';
  if (!settings.tls_verify) return 'HTTPS without certificate verification';
  return settings.ca_pem ? 'HTTPS with the pinned CA' : 'HTTPS with a publicly trusted certificate';
}

/** The AppError for an answer that is not a success; API error text reaches the client verbatim. */
function failure(outcome: Exclude<SwitchvoxOutcome, { kind: 'ok' }>, what: string): AppError {
  switch (outcome.kind) {
    case 'api_error':
      return new AppError('pbx_error', describeApiErrors(outcome.errors), { responseData: outcome.document });
    case 'http_error':
      return new AppError('pbx_error', `The PBX answered ${what} with HTTP ${outcome.status}.`, {
        responseData: { http_status: outcome.status, body: outcome.excerpt },
      });
    case 'protocol_error':
      return new AppError('pbx_error', `The PBX's answer to ${what} could not be read: ${outcome.reason}.`, {
        responseData: { body: outcome.excerpt },
      });
  }
}

export function createSwitchvoxDriver(
  settings: SwitchvoxSettings,
  deps: DriverDeps & AddressPolicy,
  tuning: Partial<SwitchvoxDriverTuning> = {},
): PbxDriver {
  const policy = { allowPrivateAddresses: deps.allowPrivateAddresses };
  return new SwitchvoxDriver(settings, deps.logger.child({ pbx: 'switchvox' }), { ...DEFAULT_TUNING, ...tuning }, policy);
}

/** `page` and `ref` as the IVR variables C2C_PAGE and C2C_REF (names fixed by the relay; JSON carries the values verbatim). */
function callVariables(call: PlaceCall): { variables?: Record<string, string> } {
  const variables: Record<string, string> = {};
  if (call.page !== undefined) variables.C2C_PAGE = call.page;
  if (call.ref !== undefined) variables.C2C_REF = call.ref;
  return Object.keys(variables).length === 0 ? {} : { variables };
}

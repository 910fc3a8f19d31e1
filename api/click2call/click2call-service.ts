import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { refusedNumber } from '../../shared/accounts/policy.js';
import type { ConnectionFacts, PbxKind } from '../../shared/accounts/pbx-settings.js';
import type { CallJob } from '../../shared/call-job.js';
import { AppError, toAppError } from '../../shared/errors.js';
import { createQueued, createRefused, markExpired, VERDICT_STATES, type CallState, type StatusError } from '../../shared/status/status-document.js';
import type { StatusChange, StatusStore } from '../../shared/status/status-store.js';
import type { AdmissionControl } from '../../shared/admission/admission.js';
import type { DuplicateGuard } from '../../shared/admission/duplicate-guard.js';
import type { RateLimiter } from '../../shared/admission/rate-limiter.js';
import type { ApiKeyAuth, Caller } from '../auth/api-key-auth.js';
import type { ChangeFeed } from '../change-feed.js';
import { parseClick2Call, type Click2CallRequest } from './parse-request.js';
import { jobOptions, optionData, type CallOptions } from '../call-options/call-options.js';
import { defaultWait, settlesFor } from '../call-options/wait-for.js';
import { unsupportedOptions } from '../../shared/pbx-capabilities.js';

export interface Click2CallInput {
  fields: Record<string, unknown>;
  apiKey: string | undefined;
  /** The request URL with `api_key` already replaced by REDACTED. */
  requestUrl: string;
  httpMethod: string;
  /** The client's address, for the per-address limit on unauthenticated requests. */
  clientAddress: string;
}

/** The `response` object of SPEC §2. */
export interface Click2CallAnswer {
  request_id: string;
  status: 'success' | 'fail';
  errors: { error: { code: string; message: string; url: string } }[];
  server_id: string;
  state: CallState | '';
  status_url: string;
}

/** The answer plus what only the HTTP layer needs (the `Retry-After` header). */
export interface Click2CallResult {
  response: Click2CallAnswer;
  retryAfterSeconds?: number;
}

export interface Click2CallDeps {
  auth: ApiKeyAuth;
  limiter: RateLimiter;
  duplicates: DuplicateGuard;
  admission: AdmissionControl;
  unauthenticatedPerMinute: number;
  statusStore: StatusStore;
  feed: ChangeFeed;
  queue: Queue;
  statusUrl: (requestId: string) => string;
  serverId: string;
  defaultWaitSeconds: number;
  queueMaxAgeSeconds: number;
  logger: Logger;
  now?: () => number;
}


/** The Click-2-Call use case: authenticate, validate, store, enqueue, and wait for the PBX verdict. */
export class Click2CallService {
  private readonly now: () => number;

  constructor(private readonly deps: Click2CallDeps) {
    this.now = deps.now ?? Date.now;
  }

  async handle(input: Click2CallInput): Promise<Click2CallResult> {
    const requestId = randomUUID();
    const log = this.deps.logger.child({ request_id: requestId });
    try {
      const caller = await this.deps.auth.authenticate(input.apiKey);
      if (!caller) {
        const limit = await this.deps.limiter.hit(`ip:${input.clientAddress}`, this.deps.unauthenticatedPerMinute);
        if (!limit.allowed) return this.rateLimited(requestId, limit.retryAfterSeconds, 'this address');
        log.info('click2call refused: invalid api key');
        return { response: this.fail(requestId, '', 'queued', new AppError('invalid_api_key'), false) };
      }
      return await this.forCaller(requestId, caller, input, log);
    } catch (err) {
      const error = isRedisDown(err) ? new AppError('service_unavailable', undefined, { cause: err }) : toAppError(err);
      log.error({ err }, 'click2call failed');
      return { response: this.fail(requestId, '', 'queued', error, false) };
    }
  }

  /** Refused by a limit: nothing is stored (a flood must not fill Redis), and the client learns when to retry. */
  private rateLimited(requestId: string, retryAfterSeconds: number, scope: string): Click2CallResult {
    const error = new AppError('rate_limited', `Too many requests from ${scope}; retry in ${retryAfterSeconds} s.`);
    return { response: this.fail(requestId, '', 'queued', error, false), retryAfterSeconds };
  }

  private async forCaller(requestId: string, caller: Caller, input: Click2CallInput, log: Logger): Promise<Click2CallResult> {
    const statusUrl = this.deps.statusUrl(requestId);
    const base = { requestId, serverId: this.deps.serverId, requestUrl: input.requestUrl, httpMethod: input.httpMethod };
    const at = this.now();
    // Every authenticated request counts against the account's rate, inside the one write that stores it.
    const rate = this.deps.limiter.counter(`acct:${caller.account.id}`, caller.account.policy.rate_per_minute, at);
    const limited = () => this.rateLimited(requestId, rate.retryAfterSeconds, 'this account');
    let request: Click2CallRequest;
    let pbx: PbxKind;
    try {
      request = parseClick2Call(input.fields);
      pbx = request.pbx ?? caller.account.policy.default_pbx ?? 'asterisk';
      if (!caller.account.pbx_kinds.includes(pbx)) {
        throw new AppError('pbx_not_configured', `The account has no ${pbx} PBX connection; configure one with PUT /admin/v1/accounts/{id}/pbx/${pbx}.`);
      }
      const facts = caller.account.pbx_facts?.[pbx];
      const refused = refusedNumber(caller.policy, request.dialFirst, request.dialSecond, facts?.outside_line_prefix ?? '');
      if (refused !== undefined) throw new AppError('number_not_allowed', `The number ${refused} is not allowed by the account's policy.`);
      checkCallOptions(pbx, facts, request.options, [request.dialFirst, request.dialSecond], caller.policy.callerIds);
    } catch (err) {
      const error = toAppError(err);
      if (error.code === 'internal_error') throw err;
      const refusedDoc = createRefused({ ...base, requestData: safeRequestData(input.fields) }, statusError(error), at);
      const admission = await this.deps.admission.admit({ accountId: caller.account.id, doc: refusedDoc, atMs: at, rate });
      if (admission.kind === 'rate_limited') return limited();
      log.info({ code: error.code }, 'click2call refused');
      return { response: this.fail(requestId, statusUrl, 'failed', error, true) };
    }

    const { options } = request;
    const wait = defaultWait(options, pbx, this.deps.defaultWaitSeconds);
    const requestData = { dial_first: request.dialFirst, dial_second: request.dialSecond, dial_as: request.dialAs, pbx, ...optionData(options), wait };
    const job: CallJob = {
      request_id: requestId,
      account_id: caller.account.id,
      pbx,
      dial_first: request.dialFirst,
      dial_second: request.dialSecond,
      dial_as: request.dialAs,
      timeout: options.timeout,
      deadline_ms: at + (wait > 0 ? wait : this.deps.queueMaxAgeSeconds) * 1000,
      ...jobOptions(options),
    };
    // Write the status document before enqueueing, so the worker always finds it.
    const repeat = this.deps.duplicates.marker(caller.account.id, {
      dialFirst: request.dialFirst,
      dialSecond: request.dialSecond,
      dialAs: request.dialAs,
      pbx,
      timeout: options.timeout,
      idempotencyKey: options.idempotencyKey,
      options: JSON.stringify(optionData(options)),
    });
    // A call counts as in progress until its end, or at most both legs' ring time plus a minute.
    const slot = { limit: caller.account.policy.max_concurrent, untilMs: at + (2 * options.timeout + 60) * 1000 };
    const doc = createQueued({ ...base, requestData }, at);
    const admission = await this.deps.admission.admit({ accountId: caller.account.id, doc, atMs: at, rate, slot, ...(repeat ? { repeat } : {}) });
    if (admission.kind === 'rate_limited') return limited();
    if (admission.kind === 'busy') {
      const error = new AppError('rate_limited', `At most ${slot.limit} calls may be in progress for this account; retry when one has ended.`);
      return { response: this.fail(requestId, '', 'queued', error, false), retryAfterSeconds: 5 };
    }
    if (admission.kind === 'repeat') {
      log.info({ original_request_id: admission.originalId }, 'click2call repeat answered with the original request');
      return { response: await this.replay(admission.originalId) };
    }
    const verdict = wait > 0 ? this.deps.feed.waitFor(requestId, settlesFor(options.waitFor, pbx), wait * 1000) : undefined;
    try {
      await this.deps.queue.add('call', job, { jobId: requestId });
    } catch (err) {
      verdict?.cancel();
      return { response: await this.onEnqueueFailed(requestId, caller.account.id, statusUrl, err, log) };
    }
    log.info({ pbx, wait }, 'click2call queued');
    if (!verdict) return { response: this.success(requestId, statusUrl, 'queued') };
    const change = await verdict.promise;
    return { response: change ? this.answerFor(requestId, statusUrl, change) : await this.onWaitExpired(requestId, caller.account.id, statusUrl, wait, log) };
  }

  /**
   * The job may or may not be in the queue (its reply was lost, or Redis went away). The cancel
   * claim decides: won, the call will never be dialed and the answer is an honest `fail`; lost to a
   * dispatch, a worker has it and the answer is `dispatching`. The API never answers `fail` for a
   * call a worker may place.
   */
  private async onEnqueueFailed(requestId: string, accountId: string, statusUrl: string, err: unknown, log: Logger): Promise<Click2CallAnswer> {
    log.error({ err }, 'click2call could not be queued');
    const error: StatusError = { code: 'service_unavailable', message: 'The call could not be queued; it was cancelled and will not be dialed. Retry shortly.' };
    const claim = await this.deps.statusStore.claim(requestId, { kind: 'cancel', attempt: requestId });
    if (!claim.won) return this.whenClaimedByOther(requestId, statusUrl, claim.holder);
    await this.deps.statusStore.update(requestId, (doc) => markExpired(doc, error, this.now()), claim.stored, this.deps.admission.releasing(accountId, requestId));
    return this.fail(requestId, statusUrl, 'expired', new AppError(error.code, error.message), true);
  }

  /** Past the wait bound: cancel if the call has not reached the PBX, else report it as dispatching. */
  private async onWaitExpired(requestId: string, accountId: string, statusUrl: string, wait: number, log: Logger): Promise<Click2CallAnswer> {
    const claim = await this.deps.statusStore.claim(requestId, { kind: 'cancel', attempt: requestId });
    if (claim.won) {
      const error: StatusError = { code: 'pbx_timeout', message: `No PBX verdict within ${wait} s; the request was cancelled and will not be dialed.` };
      await this.deps.statusStore.update(requestId, (doc) => markExpired(doc, error, this.now()), claim.stored, this.deps.admission.releasing(accountId, requestId));
      log.warn({ wait }, 'click2call cancelled at the wait bound');
      return this.fail(requestId, statusUrl, 'expired', new AppError(error.code, error.message), true);
    }
    return this.whenClaimedByOther(requestId, statusUrl, claim.holder);
  }

  /** Someone else decided the call's fate first: answer with what the document says now. */
  private async whenClaimedByOther(requestId: string, statusUrl: string, holder: string): Promise<Click2CallAnswer> {
    const stored = await this.deps.statusStore.get(requestId);
    if (stored && VERDICT_STATES.includes(stored.doc.state)) {
      const error = stored.doc.response?.error;
      return this.answerFor(requestId, statusUrl, { id: requestId, v: stored.version, state: stored.doc.state, ...(error ? { error } : {}) });
    }
    // A worker holds the claim, so the request is with the PBX even if `dispatching` is not written yet.
    if (holder === 'dispatch') return this.success(requestId, statusUrl, 'dispatching');
    // A canceller (the queue deadline, an interrupted job) got there first: nothing was or will be dialed.
    const error = new AppError('pbx_timeout', 'The request was cancelled before it was dialed.');
    return this.fail(requestId, statusUrl, 'expired', error, stored !== undefined);
  }

  /** A repeated request gets the original's answer as it stands now; nothing is dialed again. */
  private async replay(originalId: string): Promise<Click2CallAnswer> {
    const stored = await this.deps.statusStore.get(originalId);
    const statusUrl = this.deps.statusUrl(originalId);
    if (!stored) return this.success(originalId, statusUrl, 'queued');
    const error = stored.doc.response?.error;
    return this.answerFor(originalId, statusUrl, { id: originalId, v: stored.version, state: stored.doc.state, ...(error ? { error } : {}) });
  }

  private answerFor(requestId: string, statusUrl: string, change: StatusChange): Click2CallAnswer {
    if (change.state === 'failed' || change.state === 'expired') {
      const error = change.error ?? { code: 'internal_error', message: 'The call request failed.' };
      return this.fail(requestId, statusUrl, change.state, new AppError(error.code, error.message), true);
    }
    return this.success(requestId, statusUrl, change.state);
  }

  private success(requestId: string, statusUrl: string, state: CallState): Click2CallAnswer {
    return { request_id: requestId, status: 'success', errors: [], server_id: this.deps.serverId, state, status_url: statusUrl };
  }

  private fail(requestId: string, statusUrl: string, state: CallState, error: AppError, stored: boolean): Click2CallAnswer {
    const url = stored ? statusUrl : '';
    return {
      request_id: requestId,
      status: 'fail',
      errors: [{ error: { code: error.code, message: error.message, url } }],
      server_id: this.deps.serverId,
      state: stored ? state : '',
      status_url: url,
    };
  }
}

/** Refuses what the PBX cannot do, and caller IDs the account has not verified, before anything is stored as a call. */
function checkCallOptions(pbx: PbxKind, facts: ConnectionFacts | undefined, options: CallOptions, dialed: string[], verifiedCallerIds: ReadonlySet<string>): void {
  const asked = { firstCallerId: options.firstCallerId !== undefined, secondCallerId: options.secondCallerId !== undefined, record: options.record };
  const unsupported = unsupportedOptions(pbx, asked, facts);
  if (unsupported.length > 0) {
    const hint = pbx === 'other' ? ' (its templates have no placeholder for it)' : '';
    throw new AppError('unsupported_option', `${unsupported.join(', ')} cannot be used with the account's ${pbx} PBX${hint}.`);
  }
  for (const [name, callerId] of [['first_callerid', options.firstCallerId], ['second_callerid', options.secondCallerId]] as const) {
    if (callerId !== undefined && !dialed.includes(callerId) && !verifiedCallerIds.has(callerId)) {
      throw new AppError('caller_id_not_allowed', `${name} ${callerId} is neither one of the two numbers dialed nor in the account policy's caller_ids.`);
    }
  }
}

function statusError(error: AppError): StatusError {
  return { code: error.code, message: error.message };
}

/** What a refused request asked for, minus secrets and oversized junk. */
function safeRequestData(fields: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [name, max] of [['dial_first', 64], ['dial_second', 64], ['dial_as', 64], ['dail_as', 64], ['pbx', 64], ['timeout', 64], ['wait', 64], ['page', 255], ['ref', 32]] as const) {
    const value = fields[name];
    // Control characters never reach a document, even of a refused request.
    if (typeof value === 'string' || typeof value === 'number') data[name] = String(value).replace(/[\x00-\x1f\x7f]/g, '').slice(0, max);
  }
  return data;
}

/** ioredis and BullMQ errors raised while Redis is unreachable. */
export function isRedisDown(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /enableOfflineQueue|Stream isn't writeable|Connection is closed|ECONNREFUSED|max retries|MaxRetriesPerRequest|ETIMEDOUT|connect ECONN/i.test(message);
}

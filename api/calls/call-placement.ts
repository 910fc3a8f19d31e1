import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { ConnectionFacts, PbxKind } from '../../shared/accounts/pbx-settings.js';
import { refusedNumber } from '../../shared/accounts/policy.js';
import type { AdmissionControl } from '../../shared/admission/admission.js';
import type { DuplicateGuard } from '../../shared/admission/duplicate-guard.js';
import type { RateCounter, RateLimiter } from '../../shared/admission/rate-limiter.js';
import type { CallJob, CallPlan, EndpointCallSettings } from '../../shared/call-job.js';
import { AppError, toAppError } from '../../shared/errors.js';
import { unsupportedOptions } from '../../shared/pbx-capabilities.js';
import { createQueued, createRefused, markExpired, markInterrupted, VERDICT_STATES, type StatusError } from '../../shared/status/status-document.js';
import type { Shards } from '../../shared/shards.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import type { WebhookStore } from '../../shared/webhooks/webhook-store.js';
import type { Caller } from '../auth/api-key-auth.js';
import { jobOptions, optionData, type CallOptions } from '../call-options/call-options.js';
import { defaultWait, settlesFor } from '../call-options/wait-for.js';
import type { ChangeFeed } from '../change-feed.js';
import { isReplyLost, untilAnswered, within } from '../../shared/redis-retry.js';
import { isRedisDown } from './redis-down.js';
import { lazyChild } from '../../shared/logger.js';
import type { Answers, CallAnswer, CallResult } from './call-answer.js';

export interface CallPlacementDeps {
  admission: AdmissionControl;
  limiter: RateLimiter;
  duplicates: DuplicateGuard;
  statusStore: StatusStore;
  feed: ChangeFeed;
  /** One call queue per shard; an account's calls go through its shard's. */
  queues: Queue[];
  shards: Shards;
  answers: Answers;
  /** Refuses a `status_callback` whose host is not one of the account's callback_hosts (SPEC §11). */
  callbackHosts: Pick<WebhookStore, 'assertCallbackAllowed'>;
  defaultWaitSeconds: number;
  queueMaxAgeSeconds: number;
  logger: Logger;
  now?: () => number;
}

/** A request as it arrived, for its status document. */
export interface ArrivedRequest {
  requestId: string;
  serverId: string;
  requestUrl: string;
  httpMethod: string;
  /**
   * When the answer is due even if Redis does not answer (Unix ms; default: ANSWER_WITHIN_MS after
   * admission starts). The entry point sets it when the request arrives, so its own reads (the key
   * lookup) and admission share one budget: during a failover a request that met a slow key lookup
   * is not then given a whole second more for admission.
   */
  answerBy?: number;
}

/** A call an entry point has parsed: the two legs, who it is placed as, where, and its options. */
export interface CallToPlace {
  dialFirst: string;
  dialSecond: string;
  dialAs: string;
  /** Unset: the account's default PBX. */
  pbx: PbxKind | undefined;
  options: CallOptions;
  /** Click-to-Agent or Click-to-FindMe (SPEC §9): dialFirst/dialSecond are then the own side and the party called. */
  plan?: CallPlan;
}

/** What an entry point adds to admission: its own limits (a named throttle), a second history, extra request data. */
export interface PlacementExtras {
  limits?: { counter: RateCounter; scope: string }[];
  alsoListIn?: string;
  requestData?: Record<string, unknown>;
  /** A saved endpoint's settings for the PBX, carried by the job. */
  endpoint?: EndpointCallSettings;
  /** How long all the call's parties may ring in turn, when it is more than two legs (a hunt); default 2 × timeout. */
  ringSeconds?: number;
}

/**
 * The one pipeline every entry point places calls through (SPEC §2 and §8): policy and option checks,
 * admission, the status document, the job, and the answer waited for. Entry points parse their own
 * parameters and hand over a `CallToPlace`; what they refuse goes through `refuse()`.
 */
export class CallPlacement {
  private readonly now: () => number;

  constructor(private readonly deps: CallPlacementDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Stores a refused request (so its status URL explains why), counted against the account's rate. */
  async refuse(arrived: ArrivedRequest, caller: Caller, error: AppError, requestData: Record<string, unknown>, extras: PlacementExtras = {}): Promise<CallResult> {
    const at = this.now();
    const rate = this.accountRate(caller, at);
    const doc = createRefused({ ...arrived, requestData: { ...requestData, ...extras.requestData } }, { code: error.code, message: error.message }, at);
    // A refusal stored late is harmless (nothing of it is ever dialed): the answer only must not wait.
    const admission = await within(this.deps.admission.admit({ accountId: caller.account.id, doc, atMs: at, rates: [rate], ...(extras.alsoListIn ? { alsoListIn: extras.alsoListIn } : {}) }), this.budgetLeft(arrived));
    if (admission.kind === 'rate_limited') return this.limited(arrived.requestId, admission.counter, 'this account');
    this.deps.logger.info({ request_id: arrived.requestId, code: error.code }, 'call refused');
    return { response: this.deps.answers.fail(arrived.requestId, 'failed', error, true) };
  }

  async place(arrived: ArrivedRequest, caller: Caller, call: CallToPlace, extras: PlacementExtras = {}): Promise<CallResult> {
    const { requestId } = arrived;
    const log = lazyChild(this.deps.logger, { request_id: requestId });
    const pbx = call.pbx ?? caller.account.policy.default_pbx ?? 'asterisk';
    try {
      checkCall(caller, pbx, call);
      if (call.options.statusCallback !== undefined) await this.deps.callbackHosts.assertCallbackAllowed(caller.account.id, call.options.statusCallback);
    } catch (err) {
      const error = toAppError(err);
      if (error.code === 'internal_error') throw err;
      return this.refuse(arrived, caller, error, { dial_first: call.dialFirst, dial_second: call.dialSecond, dial_as: call.dialAs, pbx, ...optionData(call.options) }, extras);
    }
    const at = this.now();
    const { options } = call;
    const ringSeconds = extras.ringSeconds ?? 2 * options.timeout;
    const wait = defaultWait(options, pbx, this.deps.defaultWaitSeconds, ringSeconds);
    const requestData = { dial_first: call.dialFirst, dial_second: call.dialSecond, dial_as: call.dialAs, pbx, ...optionData(options), wait, ...extras.requestData };
    const job: CallJob = {
      request_id: requestId,
      account_id: caller.account.id,
      pbx,
      dial_first: call.dialFirst,
      dial_second: call.dialSecond,
      dial_as: call.dialAs,
      timeout: options.timeout,
      deadline_ms: at + (wait > 0 ? wait : this.deps.queueMaxAgeSeconds) * 1000,
      ...jobOptions(options),
      ...(extras.endpoint === undefined ? {} : { endpoint: extras.endpoint }),
      ...(call.plan === undefined ? {} : { plan: call.plan }),
    };
    const repeat = this.deps.duplicates.marker(caller.account.id, {
      dialFirst: call.dialFirst,
      dialSecond: call.dialSecond,
      dialAs: call.dialAs,
      pbx,
      timeout: options.timeout,
      idempotencyKey: options.idempotencyKey,
      options: JSON.stringify({ ...optionData(options), ...extras.requestData }),
    });
    // A call counts as in progress until its end, or at most all its ring time plus a minute.
    const slot = { limit: caller.account.policy.max_concurrent, untilMs: at + (ringSeconds + 60) * 1000 };
    const limits = [{ counter: this.accountRate(caller, at), scope: 'this account' }, ...(extras.limits ?? [])];
    // The status document is written before the job is queued, so the worker always finds it.
    const admitted = this.deps.admission.admit({
      accountId: caller.account.id,
      doc: createQueued({ ...arrived, requestData }, at),
      atMs: at,
      rates: limits.map((limit) => limit.counter),
      slot,
      ...(repeat ? { repeat } : {}),
      ...(extras.alsoListIn ? { alsoListIn: extras.alsoListIn } : {}),
    });
    const admission = await within(admitted, this.budgetLeft(arrived))
      .catch((err: unknown) => {
        // The document may have been stored (or be stored late) with no job to follow: it is settled once Redis answers.
        if (isReplyLost(err)) this.settleLater(requestId, caller.account.id, NOT_QUEUED);
        throw err;
      });
    if (admission.kind === 'rate_limited') return this.limited(requestId, admission.counter, limits.find((limit) => limit.counter === admission.counter)?.scope ?? 'this account');
    if (admission.kind === 'busy') {
      const error = new AppError('rate_limited', `At most ${slot.limit} calls may be in progress for this account; retry when one has ended.`);
      return this.deps.answers.rateLimited(requestId, error, 5);
    }
    if (admission.kind === 'repeat') {
      log().info({ original_request_id: admission.originalId }, 'call repeat answered with the original request');
      return { response: await this.currentAnswer(admission.originalId) };
    }
    const verdict = wait > 0 ? this.deps.feed.waitFor(requestId, settlesFor(options.waitFor, pbx), wait * 1000) : undefined;
    try {
      await this.queueOf(caller.account.id).add('call', job, { jobId: requestId });
    } catch (err) {
      verdict?.cancel();
      log().error({ err }, 'call could not be queued');
      return { response: await this.cancelOrLater(requestId, caller.account.id, NOT_QUEUED) };
    }
    // A call that goes well is logged once, by the worker with the PBX's verdict; refusals, limits and failures here.
    this.deps.logger.debug({ request_id: requestId, pbx, wait }, 'call queued');
    if (!verdict) return { response: this.deps.answers.success(requestId, 'queued') };
    const change = await verdict.promise;
    if (change) return { response: this.deps.answers.fromChange(requestId, change) };
    log().warn({ wait }, 'no verdict within the wait bound');
    return { response: await this.cancelOrLater(requestId, caller.account.id, { code: 'pbx_timeout', message: `No PBX verdict within ${wait} s; the request was cancelled and will not be dialed.` }) };
  }

  /**
   * Cancels now, or, when Redis does not answer, says `success`/`queued` with the status URL (a
   * worker may have the job: a `fail` would invite a second ring) and settles the call in the
   * background as soon as Redis answers again; the status document then tells what happened.
   */
  private async cancelOrLater(requestId: string, accountId: string, error: StatusError): Promise<CallAnswer> {
    try {
      // Bounded like admission: the answer never waits for a master that is down (the cancel may still land; the settle below runs it again, harmlessly).
      return await within(this.cancel(requestId, accountId, error), ANSWER_WITHIN_MS);
    } catch (err) {
      if (!isReplyLost(err) && !isRedisDown(err)) throw err;
      this.settleLater(requestId, accountId, error);
      return this.deps.answers.success(requestId, 'queued');
    }
  }

  /** After `afterMs`, a document a dispatch claimed but left `queued` records an unknown outcome (the worker may have sent it). */
  private async markIfStillQueued(requestId: string, afterMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    await untilAnswered(
      () => this.deps.statusStore.update(requestId, (doc) => (doc.state === 'queued' ? markInterrupted(doc, CLAIMED_THEN_SILENT, this.now()) : doc)),
      SETTLE_FOR_MS,
      (err) => isReplyLost(err) || isRedisDown(err),
    );
  }

  /** Takes the cancel claim (and records why) once Redis answers, for up to ten minutes; a worker that got there first keeps the call. */
  private settleLater(requestId: string, accountId: string, error: StatusError): void {
    const log = this.deps.logger.child({ request_id: requestId });
    // Redis may still be down (the API's connection fails fast): keep trying through that too.
    untilAnswered(() => this.cancel(requestId, accountId, error, true), SETTLE_FOR_MS, (err) => isReplyLost(err) || isRedisDown(err))
      .then(async (answer) => {
        log.warn('call settled after Redis came back');
        // A worker claimed it but recorded nothing: if it died there and its job was lost with Redis
        // (AOF everysec keeps all but the last second), nobody else would ever say so.
        if (answer.state === 'dispatching') await this.markIfStillQueued(requestId, CLAIMED_THEN_SILENT_MS);
      })
      .catch((err: unknown) => log.error({ err }, 'could not settle a call whose job may not exist'));
  }

  /** What is left of the request's answer budget (see `ArrivedRequest.answerBy`). */
  private budgetLeft(arrived: ArrivedRequest): number {
    return Math.max(0, (arrived.answerBy ?? Date.now() + ANSWER_WITHIN_MS) - Date.now());
  }

  /** A new request id of the account's shard, so that everything of the call lands in one slot. */
  requestIdFor(accountId: string): string {
    return this.deps.shards.newRequestId(this.deps.shards.ofAccount(accountId));
  }

  private queueOf(accountId: string): Queue {
    const queue = this.deps.queues[this.deps.shards.ofAccount(accountId)];
    if (!queue) throw new AppError('internal_error', `no call queue for the shard of account ${accountId}`);
    return queue;
  }

  private accountRate(caller: Caller, atMs: number): RateCounter {
    // Every authenticated request counts against the account's rate, inside the one write that stores it.
    return this.deps.limiter.counter(`acct:${caller.account.id}`, caller.account.policy.rate_per_minute, atMs, caller.account.id);
  }

  private limited(requestId: string, counter: RateCounter, scope: string): CallResult {
    const error = new AppError('rate_limited', `Too many requests from ${scope}; retry in ${counter.retryAfterSeconds} s.`);
    return this.deps.answers.rateLimited(requestId, error, counter.retryAfterSeconds);
  }

  /**
   * The cancel claim decides a call whose job may or may not run (it could not be queued, or the
   * wait bound passed): won, it will never be dialed and the answer is an honest `fail`; lost, the
   * answer is what the document says now, and a call a worker holds is `dispatching`. The API never
   * answers `fail` for a call a worker may place.
   */
  private async cancel(requestId: string, accountId: string, error: StatusError, buryIfMissing = false): Promise<CallAnswer> {
    const claim = await this.deps.statusStore.claim(requestId, { kind: 'cancel', attempt: requestId });
    if (!claim.won && claim.holder === 'missing' && buryIfMissing) {
      // Its admission may still land late: a final document in its place makes that a no-op.
      const doc = markExpired(createQueued({ requestId, serverId: '', requestUrl: '', httpMethod: '', requestData: {} }, this.now()), error, this.now());
      if (!(await this.deps.statusStore.bury(accountId, doc))) return this.cancel(requestId, accountId, error);
    }
    if (claim.won) {
      await this.deps.statusStore.update(requestId, (doc) => markExpired(doc, error, this.now()), claim.stored, this.deps.admission.releasing(accountId, requestId));
      return this.deps.answers.fail(requestId, 'expired', new AppError(error.code, error.message), true);
    }
    const stored = await this.deps.statusStore.get(requestId);
    if (stored && VERDICT_STATES.includes(stored.doc.state)) return this.deps.answers.fromChange(requestId, { state: stored.doc.state, ...(stored.doc.response?.error ? { error: stored.doc.response.error } : {}) });
    // A worker holds the claim, so the request is with the PBX even if `dispatching` is not written yet.
    if (claim.holder === 'dispatch') return this.deps.answers.success(requestId, 'dispatching');
    // A canceller (the queue deadline, an interrupted job) got there first: nothing was or will be dialed.
    return this.deps.answers.fail(requestId, 'expired', new AppError('pbx_timeout', 'The request was cancelled before it was dialed.'), stored !== undefined);
  }

  /** A repeated request gets the original's answer as it stands now; nothing is dialed again. */
  private async currentAnswer(requestId: string): Promise<CallAnswer> {
    const stored = await this.deps.statusStore.get(requestId);
    if (!stored) return this.deps.answers.success(requestId, 'queued');
    return this.deps.answers.fromChange(requestId, { state: stored.doc.state, ...(stored.doc.response?.error ? { error: stored.doc.response.error } : {}) });
  }
}

/** Why a call whose job could not be queued was cancelled. */
const NOT_QUEUED: StatusError = { code: 'service_unavailable', message: 'The call could not be queued; it was cancelled and will not be dialed. Retry shortly.' };

const SETTLE_FOR_MS = 10 * 60_000;

/** A worker records `dispatching` within milliseconds of its claim; this long without it, it is gone. */
const CLAIMED_THEN_SILENT_MS = 15_000;

const CLAIMED_THEN_SILENT: StatusError = {
  code: 'internal_error',
  message: 'A worker claimed the call and then stopped while Redis was failing. It was not retried, so that no phone rings twice; the call may or may not have been placed.',
};

/** How long the key lookup and admission together, or the cancel after a wait, may take before the API answers (and settles the call later). */
export const ANSWER_WITHIN_MS = 1000;

/** The account can place this call: the PBX is configured, the policy allows both numbers, and the options are possible and allowed. */
function checkCall(caller: Caller, pbx: PbxKind, call: CallToPlace): void {
  if (!caller.account.pbx_kinds.includes(pbx)) {
    throw new AppError('pbx_not_configured', `The account has no ${pbx} PBX connection; configure one with PUT /admin/v1/accounts/{id}/pbx/${pbx}.`);
  }
  const facts = caller.account.pbx_facts?.[pbx];
  // Every number of the own side (the agent, the hunt list, a no-answer phone) is checked as a first leg, the party called as a second.
  const ownSide = call.plan?.kind === 'findme' ? [...call.plan.numbers, ...(call.plan.no_answer?.phone === undefined ? [] : [call.plan.no_answer.phone])] : [call.dialFirst];
  for (const own of ownSide) {
    const refused = refusedNumber(caller.policy, own, call.dialSecond, facts?.outside_line_prefix ?? '');
    if (refused !== undefined) throw new AppError('number_not_allowed', `The number ${refused} is not allowed by the account's policy.`);
  }
  checkCallOptions(pbx, facts, call.options, [...ownSide, call.dialSecond], caller.policy.callerIds);
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

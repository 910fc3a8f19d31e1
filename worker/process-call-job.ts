import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AccountStore } from '../shared/accounts/account-store.js';
import type { AdmissionControl } from '../shared/admission/admission.js';
import { ringSecondsOf, type CallJob } from '../shared/call-job.js';
import { AppError, toAppError } from '../shared/errors.js';
import { lazyChild } from '../shared/logger.js';
import { untilAnswered } from '../shared/redis-retry.js';
import { isTerminal, type StatusError } from '../shared/status/status-document.js';
import type { ClaimAttempt, ClaimResult, StatusStore } from '../shared/status/status-store.js';
import { CallRecorder } from './call-recorder.js';
import type { DriverCache, DriverLease } from './pbx/driver-cache.js';
import type { CallAccepted, PlaceCall } from './pbx/pbx-driver.js';
import type { HuntObserver } from './plans/find-me-hunt.js';
import { placePlannedCall, type PlanDeps } from './plans/place-planned-call.js';
import type { PendingWrites } from './pending-writes.js';

export interface CallJobDeps {
  statusStore: StatusStore;
  admission: AdmissionControl;
  accounts: AccountStore;
  drivers: DriverCache;
  logger: Logger;
  now?: () => number;
  /** How long call progress may wait for more progress to share its write (default 25 ms). */
  progressWindowMs?: number;
  /** How long a read whose reply was lost is sent again (the worker waits Redis out). */
  replayForMs?: number;
  /** What Click-to-Agent and Click-to-FindMe calls need (SPEC §9). */
  plans?: PlanDeps;
  /** Writes made after the job returned, for shutdown to wait for. */
  writes?: PendingWrites;
}

/** This run of the job: BullMQ's lock token, and the lock key that must still hold it when the call is claimed. */
export interface JobRun {
  token: string;
  lockKey?: string;
}

/** The outcome is unknown: recorded when an attempt that claimed the call stopped before the PBX's verdict. */
export const INTERRUPTED: StatusError = {
  code: 'internal_error',
  message: 'The worker stopped after the call request may have been sent to the PBX. It was not retried, so that no phone rings twice; the call may or may not have been placed.',
};

const CANCELLED: StatusError = { code: 'pbx_timeout', message: 'The request was cancelled before it was dialed.' };

const EXPIRED: StatusError = { code: 'expired', message: 'The request waited in the queue past its deadline and was not dialed.' };

/** Default of `progressWindowMs`: progress this close together shares one write. */
const PROGRESS_WINDOW_MS = 25;

/** Thrown into the driver when this run does not own the call: nothing may be sent. Caught below, never elsewhere. */
class NotThisRun extends Error {}

/**
 * Turns one job into at most one call request on the PBX. The dispatch claim, taken right before
 * the request leaves, is the single point that decides between dialing and not: a run that loses
 * it (cancelled, expired, another run, a lost job lock) sends nothing.
 */
export async function processCallJob(job: CallJob, deps: CallJobDeps, run: JobRun = { token: randomUUID() }): Promise<void> {
  const now = deps.now ?? Date.now;
  // Made on first use: a call that goes well logs one line, written without it.
  const log = lazyChild(deps.logger, { request_id: job.request_id });
  const recorder = new CallRecorder(
    { requestId: job.request_id, accountId: job.account_id, pbx: job.pbx },
    { statusStore: deps.statusStore, admission: deps.admission, now, progressWindowMs: deps.progressWindowMs ?? PROGRESS_WINDOW_MS },
  );
  const attempt = (kind: ClaimAttempt['kind']): ClaimAttempt => ({ kind, attempt: run.token, ...(run.lockKey ? { lock: { key: run.lockKey, token: run.token } } : {}) });

  /** Claims the call for dialing, or records why this run may not; true when the call may be sent. */
  const claimToDial = async (): Promise<boolean> => {
    if (now() > job.deadline_ms) {
      if ((await recorder.claim(attempt('expire'))).won) await recorder.expired(EXPIRED);
      log().warn('call job expired in the queue');
      return false;
    }
    const claim = await recorder.claim(attempt('dispatch'));
    if (!claim.won) await onLost(claim);
    return claim.won;
  };
  const onLost = async (claim: Extract<ClaimResult, { won: false }>): Promise<void> => {
    // Another run claimed it and is gone (this job is a re-run): its call may have left.
    if (claim.holder === 'dispatch') await recorder.interrupted(INTERRUPTED);
    else if (claim.holder === 'cancel' || claim.holder === 'expire') await recorder.cancelledByOther(CANCELLED);
    log().info({ holder: claim.holder }, 'call not dialed: claimed by another');
  };

  // The driver stays open while the call needs it: until its verdict, or its end when progress follows.
  let lease: DriverLease | undefined;
  let progressFollows = false;
  /** A write the call reports after its job may have returned: shutdown waits for it, a failure is logged. */
  const keep = (write: Promise<void>, failure: string): void => {
    deps.writes?.track(write);
    write.catch((err: unknown) => log().error({ err }, failure));
  };
  const observer: HuntObserver = {
    async dispatching(pbxData) {
      if (!(await claimToDial())) throw new NotThisRun();
      recorder.dispatching(pbxData).catch((err: unknown) => log().error({ err }, 'could not record dispatching'));
      deps.logger.debug({ request_id: job.request_id, pbx: job.pbx }, 'call request dispatched to the PBX');
    },
    progress(event) {
      if (isTerminal(event.event)) lease?.release();
      keep(
        recorder.progress(event).then(() => log()[event.event === 'first_answered' || event.event === 'connected' ? 'debug' : 'info']({ event: event.event, leg: event.leg, cause: event.cause }, 'call progress')),
        'could not record call progress',
      );
    },
    attempt(attempt) {
      log().info({ called_number: attempt.called_number, call_result: attempt.call_result }, 'FindMe attempt');
      keep(recorder.attempt(attempt), 'could not record a FindMe attempt');
    },
    fallback(record) {
      log().info({ channel: record.channel, result: record.result }, 'no-answer fallback');
      keep(recorder.fallback(record), 'could not record a no-answer fallback');
    },
  };

  const call = placeCallOf(job);
  try {
    let accepted: CallAccepted;
    try {
      const loaded = await untilAnswered(() => deps.accounts.loadPbx(job.account_id, job.pbx), deps.replayForMs ?? 0);
      if (!loaded) throw new AppError('pbx_not_configured', `The account has no ${job.pbx} PBX connection.`);
      lease = deps.drivers.lease(job.account_id, job.pbx, loaded.revision, loaded.open);
      accepted = await placePlannedCall(job, lease.driver, call, observer, { plans: deps.plans, logger: deps.logger, now });
    } catch (err) {
      if (!(err instanceof NotThisRun)) await recordRefusal(toAppError(err), err);
      return;
    }
    progressFollows = accepted.progressFollows === true;
    // The PBX has the call: nothing from here on may turn it into `failed`. A write that keeps failing
    // fails the job instead, and interrupted-job.ts finds this run's claim and keeps the outcome honest.
    await recorder.accepted(accepted.responseData, progressFollows);
    deps.logger.info({ request_id: job.request_id }, 'call request accepted by the PBX');
  } finally {
    if (lease && progressFollows) releaseAtTimeBound(lease, ringSecondsOf(job.plan, job.timeout));
    else lease?.release();
    await recorder.finish().catch((err: unknown) => log().error({ err }, 'could not release the call slot'));
  }

  /** The driver or the lookups before it refused or failed: `failed`, unless the PBX may have the call. */
  async function recordRefusal(error: AppError, err: unknown): Promise<void> {
    if (recorder.dispatched && error.outcomeUnknown) {
      await recorder.outcomeUnknown({ code: error.code, message: error.message });
      log().warn({ code: error.code }, 'call request outcome unknown: the PBX may have placed it');
      return;
    }
    if (error.code === 'internal_error') log().error({ err }, 'call job failed');
    else log().info({ code: error.code }, 'call request failed');
    // Before dispatch this run must still win the claim, or someone else decided the call's fate.
    if (recorder.dispatched || (await recorder.claim(attempt('dispatch'))).won) await recorder.failed({ code: error.code, message: error.message }, error.responseData);
  }
}

/** What the driver is asked to place: the job's numbers and options, nothing of the account's secrets. */
function placeCallOf(job: CallJob): PlaceCall {
  return {
    requestId: job.request_id,
    dialFirst: job.dial_first,
    dialSecond: job.dial_second,
    dialAs: job.dial_as,
    timeoutSeconds: job.timeout,
    ...(job.first_callerid === undefined ? {} : { firstCallerId: job.first_callerid }),
    ...(job.second_callerid === undefined ? {} : { secondCallerId: job.second_callerid }),
    ...(job.page === undefined ? {} : { page: job.page }),
    ...(job.ref === undefined ? {} : { ref: job.ref }),
    ...(job.record ? { record: { warning: job.warning ?? 1 } } : {}),
    ...(job.endpoint === undefined ? {} : { endpoint: job.endpoint }),
  };
}

/** A call whose end never arrives (a lost hangup event) lets go of its driver after all its ring time and a minute. */
function releaseAtTimeBound(lease: DriverLease, ringSeconds: number): void {
  setTimeout(() => lease.release(), (ringSeconds + 60) * 1000).unref();
}

import type { Logger } from 'pino';
import type { AccountStore } from '../shared/accounts/account-store.js';
import type { CallJob } from '../shared/call-job.js';
import { AppError, toAppError } from '../shared/errors.js';
import { isTerminal, markAccepted, markDispatching, markExpired, markFailed, markOutcomeUnknown, markProgress, type StatusError } from '../shared/status/status-document.js';
import type { StatusStore } from '../shared/status/status-store.js';
import type { DriverCache } from './pbx/driver-cache.js';
import type { CallEvent, CallObserver, PlaceCall } from './pbx/pbx-driver.js';
import { StatusWriter } from './status-writer.js';

export interface CallJobDeps {
  statusStore: StatusStore;
  accounts: AccountStore;
  drivers: DriverCache;
  logger: Logger;
  now?: () => number;
  /** How long call progress may wait for more progress to share its write (default 25 ms). */
  progressWindowMs?: number;
}

/** Thrown inside `dispatching()` when someone else owns the request: nothing may be sent, nothing written. */
class NotOurs extends AppError {}

export const INTERRUPTED: StatusError = {
  code: 'internal_error',
  message: 'The worker stopped while handling this call. It was not retried, so that no phone rings twice; the call may or may not have been placed.',
};

/** How long the `dispatching` step may wait to share a write with the PBX's answer. */
const DISPATCH_RECORD_DELAY_MS = 50;

/** Default of `progressWindowMs`: progress this close together shares one write. */
const PROGRESS_WINDOW_MS = 25;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const EXPIRED: StatusError = { code: 'expired', message: 'The request waited in the queue past its deadline and was not dialed.' };

/**
 * Turns one job into at most one call request on the PBX. The claim taken in `dispatching()` is the
 * single point that decides between dialing and cancelling, so every path dials at most once.
 */
export async function processCallJob(job: CallJob, deps: CallJobDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const id = job.request_id;
  const log = deps.logger.child({ request_id: id });
  const store = deps.statusStore;
  const status = new StatusWriter(store, id, job.account_id);
  const ends = { endsCall: true };

  if (now() > job.deadline_ms) {
    const claim = await store.claim(id, 'expire');
    if (claim.won) {
      status.know(claim.stored);
      await status.apply((doc) => markExpired(doc, EXPIRED, now()), ends);
    }
    log.warn('call job expired in the queue');
    return;
  }

  // The call counts against max_concurrent until it ends; when the PBX reports no progress, its verdict is the end.
  let callGoesOn = false;
  let dispatched = false;
  let openGate: () => void = () => {};
  let progressWindow: Promise<void> | undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));

  const observer: CallObserver = {
    async dispatching(pbxData) {
      if (now() > job.deadline_ms) {
        const expired = await store.claim(id, 'expire');
        if (expired.won) {
          status.know(expired.stored);
          await status.apply((doc) => markExpired(doc, EXPIRED, now()), ends);
        }
        throw new NotOurs('expired', EXPIRED.message);
      }
      const claim = await store.claim(id, 'dispatch');
      if (!claim.won) {
        // A re-run of a job that already dispatched must not dial again; a cancelled one must not dial at all.
        if (claim.holder === 'dispatch') await status.apply((doc) => markFailed(doc, INTERRUPTED, now()), ends);
        throw new NotOurs('pbx_timeout', `request already claimed by ${claim.holder}`);
      }
      dispatched = true;
      status.know(claim.stored);
      // The claim already guards against a second dial; the `dispatching` step is recorded with the
      // PBX's answer when that comes quickly (one write instead of two), else on its own.
      const at = now();
      status
        .soon((doc) => markDispatching(doc, job.pbx, pbxData, at), delay(DISPATCH_RECORD_DELAY_MS))
        .catch((err: unknown) => log.error({ err }, 'could not record dispatching'));
      log.debug({ pbx: job.pbx }, 'call request dispatched to the PBX');
    },
    progress(event: CallEvent) {
      // Progress can race the write of `accepted`; it waits behind that write and keeps its order.
      // Events within a short window of each other (a hangup of both legs, a PBX that answers at
      // once) share one write; each keeps its own time in the document.
      const at = now();
      const ended = isTerminal(event.event);
      progressWindow ??= gate.then(() => delay(deps.progressWindowMs ?? PROGRESS_WINDOW_MS)).finally(() => (progressWindow = undefined));
      status
        .enqueue((doc) => markProgress(doc, event, at), progressWindow, { endsCall: ended })
        .then(() => log[ended ? 'info' : 'debug']({ event: event.event, leg: event.leg, cause: event.cause }, 'call progress'))
        .catch((err: unknown) => log.error({ err }, 'could not record call progress'));
    },
  };

  const call: PlaceCall = { requestId: id, dialFirst: job.dial_first, dialSecond: job.dial_second, dialAs: job.dial_as, timeoutSeconds: job.timeout };
  try {
    const loaded = await deps.accounts.loadPbx(job.account_id, job.pbx);
    if (!loaded) throw new AppError('pbx_not_configured', `The account has no ${job.pbx} PBX connection.`);
    const driver = deps.drivers.get(job.account_id, job.pbx, loaded.revision, loaded.open);
    const accepted = await driver.placeCall(call, observer);
    const follows = accepted.progressFollows === true;
    await status.apply((doc) => markAccepted(doc, accepted.responseData, now()), { endsCall: !follows });
    callGoesOn = follows;
    log.info('call request accepted by the PBX');
  } catch (err) {
    if (err instanceof NotOurs) return;
    const error = toAppError(err);
    if (dispatched && error.outcomeUnknown) {
      // The PBX may be ringing: never `failed` (a retry would ring twice), and the slot stays
      // counted against max_concurrent until its time bound.
      callGoesOn = true;
      await status.apply((doc) => markOutcomeUnknown(doc, { code: error.code, message: error.message }, now()));
      log.warn({ code: error.code }, 'call request outcome unknown: the PBX may have placed it');
      return;
    }
    if (error.code === 'internal_error') log.error({ err }, 'call job failed');
    else log.info({ code: error.code }, 'call request failed');
    // Before dispatch the worker must still win the claim, or a cancellation already answered the client.
    const claim = dispatched ? undefined : await store.claim(id, 'dispatch');
    if (dispatched || claim?.won) {
      status.know(claim?.stored);
      await status.apply((doc) => markFailed(doc, { code: error.code, message: error.message }, now(), error.responseData), ends);
    }
  } finally {
    openGate();
    // Whatever path ended here without a write that let go of the slot (cancelled, lost claim, a failed write).
    if (!callGoesOn && !status.released) {
      await store.release(job.account_id, id).catch((err: unknown) => log.error({ err }, 'could not release the call slot'));
    }
  }
}

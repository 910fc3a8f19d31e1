import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AdmissionControl } from '../shared/admission/admission.js';
import { markExpired, markFailed, markInterrupted, type StatusError } from '../shared/status/status-document.js';
import type { StatusStore } from '../shared/status/status-store.js';
import { INTERRUPTED } from './process-call-job.js';

export interface InterruptedJobDeps {
  statusStore: StatusStore;
  admission: AdmissionControl;
  logger: Logger;
  now?: () => number;
}

const NOT_DIALED: StatusError = {
  code: 'internal_error',
  message: 'The worker stopped before the call was dialed. It was not dialed and will not be; the request can be sent again.',
};

/**
 * A call job that BullMQ failed (its worker died and the job stalled, or infrastructure broke under
 * it). The cancel claim decides what is true: won, nobody dialed and nobody will (`failed`, honest);
 * held by a dispatch, the call request may have left (outcome unknown, never `failed`); held by a
 * canceller, that one has recorded the end already.
 */
export async function recordInterruptedJob(requestId: string, reason: string, deps: InterruptedJobDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ request_id: requestId });
  const claim = await deps.statusStore.claim(requestId, { kind: 'cancel', attempt: `interrupted-${randomUUID()}` });
  if (claim.won) {
    const { accountId } = claim.stored;
    await deps.statusStore.update(requestId, (doc) => markFailed(doc, NOT_DIALED, now()), claim.stored, deps.admission.releasing(accountId, requestId));
    log.warn({ reason }, 'call job failed before dialing');
  } else if (claim.holder === 'cancel' || claim.holder === 'expire') {
    // The canceller's own write may never have landed: finish it if the document still says queued.
    // (Its concurrency slot lapses at its time bound.)
    await deps.statusStore.update(requestId, (doc) => (doc.state === 'queued' ? markExpired(doc, NOT_DIALED, now()) : doc));
  } else if (claim.holder === 'dispatch') {
    // The slot stays counted until its time bound: the call may be going on.
    await deps.statusStore.update(requestId, (doc) => markInterrupted(doc, INTERRUPTED, now()));
    log.warn({ reason }, 'call job failed after it was claimed for dialing: outcome unknown');
  }
}

import type { AdmissionControl } from '../shared/admission/admission.js';
import {
  isTerminal,
  markAccepted,
  markDispatching,
  markExpired,
  markFailed,
  markInterrupted,
  markOutcomeUnknown,
  markProgress,
  TransitionError,
  withAttempt,
  withFallback,
  type FallbackRecord,
  type StatusError,
} from '../shared/status/status-document.js';
import type { FindMeAttempt } from '../shared/findme/no-answer-report.js';
import type { ClaimAttempt, ClaimResult, StatusStore } from '../shared/status/status-store.js';
import type { CallEvent } from './pbx/pbx-driver.js';
import { StatusWriter } from './status-writer.js';

export interface CallRecorderDeps {
  statusStore: StatusStore;
  admission: AdmissionControl;
  now: () => number;
  /** How long call progress may wait for more progress to share its write. */
  progressWindowMs: number;
}

/** How long the `dispatching` step may wait to share a write with the PBX's answer. */
const DISPATCH_RECORD_DELAY_MS = 50;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const ENDS_CALL = { endsCall: true };

/**
 * The one place a worker records a call's life in its status document: the claim, `dispatching`,
 * the PBX's verdict and call progress. It decides which steps share a write and when the call lets
 * go of its concurrency slot: with the write that ends the call, or alone in `finish()`. A call
 * whose outcome is unknown, or whose progress follows, keeps its slot until its end or time bound.
 */
export class CallRecorder {
  private readonly writer: StatusWriter;
  private goesOn = false;
  private openGate: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));
  private progressWindow: Promise<void> | undefined;
  /** True once this attempt won the dispatch claim: the call request may leave from now on. */
  dispatched = false;

  constructor(
    private readonly call: { requestId: string; accountId: string; pbx: string },
    private readonly deps: CallRecorderDeps,
  ) {
    this.writer = new StatusWriter(deps.statusStore, call.requestId, deps.admission.releasing(call.accountId, call.requestId));
  }

  /** Takes a claim for this attempt; a win seeds the writer, so the next write needs no read. */
  async claim(attempt: ClaimAttempt): Promise<ClaimResult> {
    const result = await this.deps.statusStore.claim(this.call.requestId, attempt);
    if (result.won) {
      this.writer.know(result.stored);
      if (attempt.kind === 'dispatch') this.dispatched = true;
    }
    return result;
  }

  /**
   * The call request is about to leave. The claim already guards against a second dial, so this
   * step is written with the PBX's answer when that comes quickly (one write instead of two).
   */
  dispatching(pbxData: Record<string, unknown>): Promise<void> {
    const at = this.deps.now();
    return this.writer.soon((doc) => markDispatching(doc, this.call.pbx, pbxData, at), delay(DISPATCH_RECORD_DELAY_MS));
  }

  async accepted(responseData: unknown, progressFollows: boolean): Promise<void> {
    this.goesOn = progressFollows;
    await this.writer.apply((doc) => markAccepted(doc, responseData, this.deps.now()), { endsCall: !progressFollows });
  }

  /** The call request was refused or never reached the PBX. Never written over a verdict already stored. */
  async failed(error: StatusError, responseData?: unknown): Promise<void> {
    await this.writer.apply((doc) => {
      if (doc.state !== 'queued' && doc.state !== 'dispatching') throw new TransitionError(doc.state, 'failed');
      return markFailed(doc, error, this.deps.now(), responseData);
    }, ENDS_CALL);
  }

  async expired(error: StatusError): Promise<void> {
    await this.writer.apply((doc) => markExpired(doc, error, this.deps.now()), ENDS_CALL);
  }

  /** The PBX may be ringing: never `failed` (a retry would ring twice); the slot stays until its time bound. */
  async outcomeUnknown(error: StatusError): Promise<void> {
    this.goesOn = true;
    await this.writer.apply((doc) => markOutcomeUnknown(doc, error, this.deps.now()));
  }

  /**
   * A canceller took the claim (nothing was or will be dialed) but its own write may never have
   * landed (its process died, or Redis lost the last second of writes): finish it, once, if the
   * document still says `queued`.
   */
  async cancelledByOther(error: StatusError): Promise<void> {
    await this.writer.apply((doc) => (doc.state === 'queued' ? markExpired(doc, error, this.deps.now()) : doc), ENDS_CALL);
  }

  /** Another attempt dispatched this call and did not record its verdict: say the outcome is unknown. */
  async interrupted(error: StatusError): Promise<void> {
    this.goesOn = true;
    await this.writer.apply((doc) => markInterrupted(doc, error, this.deps.now()));
  }

  /**
   * Call progress. It can race the write of the verdict, so it waits behind that write and keeps its
   * order; progress within a short window (a hangup of both legs) shares one write, each step with
   * its own time.
   */
  progress(event: CallEvent): Promise<void> {
    const at = this.deps.now();
    this.progressWindow ??= this.gate.then(() => delay(this.deps.progressWindowMs)).finally(() => (this.progressWindow = undefined));
    return this.writer.enqueue((doc) => markProgress(doc, event, at), this.progressWindow, { endsCall: isTerminal(event.event) });
  }

  /** A FindMe attempt ended; written behind the verdict, like progress. */
  attempt(attempt: FindMeAttempt): Promise<void> {
    return this.writer.enqueue((doc) => withAttempt(doc, attempt), this.gate);
  }

  /** A no-answer fallback's outcome (sent, refused, retried…). */
  fallback(record: FallbackRecord): Promise<void> {
    return this.writer.enqueue((doc) => withFallback(doc, record), this.gate);
  }

  /** The job is done with the call: progress may be written from now on, and a call that does not go on lets go of its slot. */
  async finish(): Promise<void> {
    this.openGate();
    if (!this.goesOn && !this.writer.released) await this.deps.admission.release(this.call.accountId, this.call.requestId);
  }
}

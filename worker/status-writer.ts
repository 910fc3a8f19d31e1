import { TransitionError, type StatusDocument } from '../shared/status/status-document.js';
import type { StatusStore, StoredStatus } from '../shared/status/status-store.js';

type Transition = (doc: StatusDocument) => StatusDocument;

/** A write that ends the call also lets go of its `max_concurrent` slot, in the same round trip. */
export interface WriteOptions {
  endsCall?: boolean;
}

/**
 * The worker's writer for one request's status document. It remembers what it stored last, so each
 * step is a single compare-and-set (a re-read happens only when someone else wrote in between),
 * and progress that piles up while a write is in flight is folded into the next single write.
 */
export class StatusWriter {
  private known: StoredStatus | undefined;
  private pending: Transition[] = [];
  private pendingEndsCall = false;
  private tail: Promise<void> = Promise.resolve();
  /** True once a write (or a release alone) let go of the call's slot. */
  released = false;

  constructor(
    private readonly store: StatusStore,
    private readonly id: string,
    private readonly accountId: string,
  ) {}

  /** Seeds what is stored (e.g. the document a won claim returned), saving the first read. */
  know(stored: StoredStatus | undefined): void {
    if (stored) this.known = stored;
  }

  /** Applies one transition now; false when it no longer applies. */
  async apply(transition: Transition, options: WriteOptions = {}): Promise<boolean> {
    const release = options.endsCall ? { accountId: this.accountId } : undefined;
    const stored = await this.store.update(this.id, transition, this.known, release);
    if (release) this.released = true;
    if (stored) this.known = stored;
    return stored !== undefined;
  }

  /**
   * Queues a step behind `after` and everything queued before it, keeping their order; steps that
   * queue up meanwhile go out together. A step that no longer applies is skipped, not fatal.
   */
  enqueue(transition: Transition, after: Promise<unknown>, options: WriteOptions = {}): Promise<void> {
    this.pending.push(transition);
    if (options.endsCall) this.pendingEndsCall = true;
    this.tail = this.tail.then(() => after).then(() => this.flush());
    return this.tail;
  }

  private async flush(): Promise<void> {
    const steps = this.pending;
    if (steps.length === 0) return;
    const endsCall = this.pendingEndsCall;
    this.pending = [];
    this.pendingEndsCall = false;
    await this.apply((doc) => steps.reduce((current, step) => skipIfStale(step, current), doc), { endsCall });
  }
}

function skipIfStale(step: Transition, doc: StatusDocument): StatusDocument {
  try {
    return step(doc);
  } catch (err) {
    if (err instanceof TransitionError) return doc;
    throw err;
  }
}

import { TransitionError, type StatusDocument } from '../shared/status/status-document.js';
import type { StatusStore, StoredStatus } from '../shared/status/status-store.js';

type Transition = (doc: StatusDocument) => StatusDocument;

/**
 * The worker's writer for one request's status document. It remembers what it stored last, so each
 * step is a single compare-and-set (a re-read happens only when someone else wrote in between),
 * and progress that piles up while a write is in flight is folded into the next single write.
 */
export class StatusWriter {
  private known: StoredStatus | undefined;
  private pending: Transition[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StatusStore,
    private readonly id: string,
  ) {}

  /** Applies one transition now; false when it no longer applies. */
  async apply(transition: Transition): Promise<boolean> {
    const stored = await this.store.update(this.id, transition, this.known);
    if (stored) this.known = stored;
    return stored !== undefined;
  }

  /**
   * Queues a step behind `after` and everything queued before it, keeping their order; steps that
   * queue up meanwhile go out together. A step that no longer applies is skipped, not fatal.
   */
  enqueue(transition: Transition, after: Promise<unknown>): Promise<void> {
    this.pending.push(transition);
    this.tail = this.tail.then(() => after).then(() => this.flush());
    return this.tail;
  }

  private async flush(): Promise<void> {
    const steps = this.pending;
    if (steps.length === 0) return;
    this.pending = [];
    await this.apply((doc) => steps.reduce((current, step) => skipIfStale(step, current), doc));
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

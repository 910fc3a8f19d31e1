import { TransitionError, type StatusDocument } from '../shared/status/status-document.js';
import type { SlotRelease, StatusStore, StoredStatus } from '../shared/status/status-store.js';

type Transition = (doc: StatusDocument) => StatusDocument;

/** A write that ends the call also lets go of its `max_concurrent` slot, in the same round trip. */
export interface WriteOptions {
  endsCall?: boolean;
}

interface Step {
  transition: Transition;
  endsCall: boolean;
  /** False while the step must wait (for the write it has to follow). */
  ready: boolean;
}

/**
 * The worker's writer for one request's status document. It remembers what it stored last, so each
 * write is a single compare-and-set (a re-read happens only when someone else wrote in between).
 * Writes go one at a time; every ready step waiting when a write starts goes into it, in the order
 * queued, so steps that pile up travel together. A gated step (`enqueue`) is ready only once its
 * gate opens, so it lands after the write it waits for even if queued before it.
 */
export class StatusWriter {
  private known: StoredStatus | undefined;
  private pending: Step[] = [];
  private writing: Promise<unknown> = Promise.resolve();
  /** True once a write (or a release alone) let go of the call's slot. */
  released = false;

  constructor(
    private readonly store: StatusStore,
    private readonly id: string,
    /** The call's concurrency slot, let go of by the write that ends the call. */
    private readonly slot: SlotRelease,
  ) {}

  /** Seeds what is stored (e.g. the document a won claim returned), saving the first read. */
  know(stored: StoredStatus | undefined): void {
    if (stored) this.known = stored;
  }

  /** Writes this step now, with any ready step still waiting; resolves once stored. */
  async apply(transition: Transition, options: WriteOptions = {}): Promise<void> {
    this.pending.push({ transition, endsCall: options.endsCall === true, ready: true });
    await this.write();
  }

  /** Queues a step that goes with the next write, or on its own once `notLaterThan` settles. */
  soon(transition: Transition, notLaterThan: Promise<unknown>, options: WriteOptions = {}): Promise<void> {
    this.pending.push({ transition, endsCall: options.endsCall === true, ready: true });
    return notLaterThan.then(() => this.write());
  }

  /**
   * Queues a step that must not be written before `after` settles; steps gated on the same promise
   * keep their order. A step that no longer applies is skipped, not fatal.
   */
  enqueue(transition: Transition, after: Promise<unknown>, options: WriteOptions = {}): Promise<void> {
    const step: Step = { transition, endsCall: options.endsCall === true, ready: false };
    this.pending.push(step);
    return after.then(() => {
      step.ready = true;
      return this.write();
    });
  }

  private write(): Promise<void> {
    const run = this.writing.then(() => this.flush());
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async flush(): Promise<void> {
    // Gated steps stay behind (in their order) until their gate opens; ready ones go now.
    const steps = this.pending.filter((step) => step.ready);
    if (steps.length === 0) return;
    this.pending = this.pending.filter((step) => !step.ready);
    const release = steps.some((step) => step.endsCall) ? this.slot : undefined;
    const combined = (doc: StatusDocument) => steps.reduce((current, step) => skipIfStale(step.transition, current), doc);
    let stored: StoredStatus | undefined;
    try {
      stored = await this.store.update(this.id, combined, this.known, release);
    } catch (err) {
      // Not written: the steps go back to the front, so the next write carries them.
      this.pending = [...steps, ...this.pending];
      throw err;
    }
    if (release) this.released = true;
    if (stored) this.known = stored;
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

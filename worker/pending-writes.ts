/**
 * Status writes a call makes after its job has returned (call progress, FindMe attempts, an agent
 * call's end): shutdown waits for them after the PBX connections closed (which reports the last of
 * them) and before Redis quits, so that what a stopping worker learnt is not lost.
 */
export class PendingWrites {
  private readonly pending = new Set<Promise<unknown>>();

  track(write: Promise<unknown>): void {
    const settled = write.catch(() => undefined).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }

  /** Resolves once every write tracked so far, and any they lead to within a turn, has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

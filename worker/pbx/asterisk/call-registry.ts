/**
 * The calls one driver is following: routes AMI events to each call's `CallProgress`, reports to
 * its observer, gives a call that is over a short settling time for its last events (their order
 * varies), and forgets it once its verdict is out or after a lifetime bound — so a lost Hangup
 * cannot leak memory.
 */
import type { Logger } from 'pino';
import type { CallEvent, CallObserver } from '../pbx-driver.js';
import { type AmiMessage, headerValue } from './ami-codec.js';
import { type CallIds, CallProgress, type ProgressStep } from './call-progress.js';

export interface CallRegistryOptions {
  logger: Logger;
  /**
   * How long a call that is over waits for the rest of its events before its verdict. Asterisk
   * sends them within milliseconds of each other, in varying order.
   */
  causeGraceMs?: number;
  /** Upper bound on how long a call is followed (a bridged call can last hours). */
  maxCallMs?: number;
}

interface Tracked {
  progress: CallProgress;
  observer: CallObserver;
  settleTimer?: NodeJS.Timeout;
  lifeTimer: NodeJS.Timeout;
}

export class CallRegistry {
  private readonly byKey = new Map<string, Tracked>();
  private readonly graceMs: number;
  private readonly maxCallMs: number;

  constructor(private readonly options: CallRegistryOptions) {
    this.graceMs = options.causeGraceMs ?? 1500;
    this.maxCallMs = options.maxCallMs ?? 4 * 60 * 60 * 1000;
  }

  get size(): number {
    return new Set(this.byKey.values()).size;
  }

  track(ids: CallIds, observer: CallObserver): void {
    const progress = new CallProgress(ids);
    const lifeTimer = setTimeout(() => this.forget(ids), this.maxCallMs);
    lifeTimer.unref();
    const tracked: Tracked = { progress, observer, lifeTimer };
    for (const key of progress.keys()) this.byKey.set(key, tracked);
  }

  forget(ids: CallIds): void {
    const tracked = this.byKey.get(ids.leg1);
    if (!tracked) return;
    clearTimeout(tracked.lifeTimer);
    clearTimeout(tracked.settleTimer);
    for (const key of tracked.progress.keys()) this.byKey.delete(key);
  }

  onEvent(message: AmiMessage): void {
    const tracked = this.find(message);
    if (tracked) this.apply(tracked, tracked.progress.onEvent(message));
  }

  /** The connection dropped: events of the calls followed may be gone, so each observer is told (those that ask). */
  lost(): void {
    for (const tracked of new Set(this.byKey.values())) {
      try {
        tracked.observer.lost?.();
      } catch (err) {
        this.options.logger.error({ err }, 'call observer failed on a lost connection');
      }
    }
  }

  close(): void {
    for (const tracked of new Set(this.byKey.values())) this.forget(tracked.progress.ids);
  }

  private find(message: AmiMessage): Tracked | undefined {
    // The Originate's own dial of leg 1 names it only as Dest…; LocalBridge as LocalOne….
    const names =
      headerValue(message, 'Event')?.toLowerCase() === 'originateresponse'
        ? ['ActionID', 'Uniqueid']
        : ['Linkedid', 'Uniqueid', 'DestLinkedid', 'DestUniqueid', 'LocalOneLinkedid'];
    for (const name of names) {
      const key = headerValue(message, name);
      const tracked = key === undefined ? undefined : this.byKey.get(key);
      if (tracked) return tracked;
    }
    return undefined;
  }

  private apply(tracked: Tracked, step: ProgressStep): void {
    for (const event of step.report) this.report(tracked, event);
    if (step.finished) {
      this.forget(tracked.progress.ids);
    } else if (step.settling && !tracked.settleTimer) {
      tracked.settleTimer = setTimeout(() => {
        tracked.settleTimer = undefined;
        this.apply(tracked, tracked.progress.settle());
      }, this.graceMs);
      tracked.settleTimer.unref();
    }
  }

  private report(tracked: Tracked, event: CallEvent): void {
    try {
      tracked.observer.progress(event);
    } catch (err) {
      this.options.logger.error({ err, event: event.event }, 'call progress observer failed');
    }
  }
}

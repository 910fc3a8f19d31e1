import type { RedisClient } from '../shared/redis.js';
import type { Logger } from 'pino';
import type { AuthChange } from '../shared/accounts/account-store.js';
import type { StatusChange } from '../shared/status/status-store.js';

type StatusListener = (change: StatusChange) => void;

/**
 * One shared subscription per API process: status changes (for `wait` and long-polls) and auth
 * changes (for cache invalidation). Listeners are registered per request id, never one subscription
 * per request.
 */
export class ChangeFeed {
  private readonly statusListeners = new Map<string, Set<StatusListener>>();
  private readonly authListeners = new Set<(change: AuthChange) => void>();

  constructor(
    private readonly subscriber: RedisClient,
    private readonly statusChannel: string,
    private readonly authChannel: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    await this.subscriber.subscribe(this.statusChannel, this.authChannel);
  }

  private dispatch(channel: string, message: string): void {
    try {
      if (channel === this.statusChannel) {
        const change = JSON.parse(message) as StatusChange;
        const listeners = this.statusListeners.get(change.id);
        if (listeners) for (const listener of [...listeners]) listener(change);
      } else if (channel === this.authChannel) {
        const change = JSON.parse(message) as AuthChange;
        for (const listener of this.authListeners) listener(change);
      }
    } catch (err) {
      this.logger.warn({ err, channel }, 'unreadable change message');
    }
  }

  onAuthChange(listener: (change: AuthChange) => void): void {
    this.authListeners.add(listener);
  }

  /** Calls `listener` for every change of `id` until the returned function is called. */
  watch(id: string, listener: StatusListener): () => void {
    let listeners = this.statusListeners.get(id);
    if (!listeners) {
      listeners = new Set();
      this.statusListeners.set(id, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.statusListeners.delete(id);
    };
  }

  /** Resolves with the first change that satisfies `accept`, or undefined after `timeoutMs`. */
  waitFor(id: string, accept: (change: StatusChange) => boolean, timeoutMs: number, signal?: AbortSignal): { promise: Promise<StatusChange | undefined>; cancel: () => void } {
    let stop = () => {};
    const promise = new Promise<StatusChange | undefined>((resolve) => {
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const unwatch = this.watch(id, (change) => {
        if (accept(change)) finish(change);
      });
      const onAbort = () => finish(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      function finish(change: StatusChange | undefined) {
        clearTimeout(timer);
        unwatch();
        signal?.removeEventListener('abort', onAbort);
        resolve(change);
      }
      stop = () => finish(undefined);
    });
    return { promise, cancel: () => stop() };
  }

  async close(): Promise<void> {
    this.statusListeners.clear();
    this.authListeners.clear();
  }
}

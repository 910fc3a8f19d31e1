/**
 * A Redis command that failed with one of these may or may not have run: the connection broke
 * before its reply came back (ioredis aborts an auto-pipelined command instead of sending it
 * again, and re-sends others after a reconnect), or the client gave up waiting.
 */
export function isReplyLost(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /Command aborted due to connection close|Connection is closed|Stream isn't writeable|max retries per request|Command timed out|Too many Cluster redirections|CLUSTERDOWN|TRYAGAIN|Failed to refresh slots cache/i.test(message);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends a command again while its reply is lost, for at most `forMs`. Only for commands that are
 * safe to run twice: the status store's scripts recognise their own earlier run and answer the same.
 */
export async function untilAnswered<T>(send: () => Promise<T>, forMs: number, retryable: (err: unknown) => boolean = isReplyLost): Promise<T> {
  const giveUpAt = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!retryable(err) || Date.now() >= giveUpAt) throw err;
      await delay(Math.min(50 * 2 ** attempt, 1000));
    }
  }
}

/**
 * Gives up waiting for `work` after `ms` (it may still complete: use it only where a late completion
 * is harmless or settled afterwards). Behind a Cluster failover or a stalled proxy the client's own
 * timeouts do not always fire; an answer must not wait for them.
 */
export function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Command timed out: no answer from Redis in time')), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

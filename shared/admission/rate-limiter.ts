import type { RedisClient } from '../redis.js';
import { Shards } from '../shards.js';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends (when refused). */
  retryAfterSeconds: number;
}

/** One window's counter, incremented inside the admission script. */
export interface RateCounter {
  key: string;
  limit: number;
  ttlSeconds: number;
  retryAfterSeconds: number;
}

const WINDOW_SECONDS = 60;

/**
 * Fixed one-minute windows counted in Redis with INCR, so a limit holds across every API instance.
 * One round trip per check (INCR and EXPIRE in one MULTI).
 */
export class RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly shards: Shards = new Shards(prefix),
  ) {}

  /**
   * The counter of `scope`'s current window, for callers that increment it inside a larger script;
   * `owner` (an account id) puts it in that account's shard, next to the keys the script also touches.
   */
  counter(scope: string, limitPerMinute: number, nowMs = Date.now(), owner?: string): RateCounter {
    const window = Math.floor(nowMs / 1000 / WINDOW_SECONDS);
    return {
      key: `${owner === undefined ? this.prefix : this.shards.accountPrefix(owner)}:rl:${scope}:${window}`,
      limit: limitPerMinute,
      ttlSeconds: WINDOW_SECONDS * 2,
      retryAfterSeconds: Math.max(1, (window + 1) * WINDOW_SECONDS - Math.floor(nowMs / 1000)),
    };
  }

  async hit(scope: string, limitPerMinute: number, nowMs = Date.now()): Promise<RateDecision> {
    const { key, limit, ttlSeconds, retryAfterSeconds } = this.counter(scope, limitPerMinute, nowMs);
    const results = await this.redis.multi().incr(key).expire(key, ttlSeconds).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    return { allowed: count <= limit, retryAfterSeconds };
  }
}

import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends (when refused). */
  retryAfterSeconds: number;
}

const WINDOW_SECONDS = 60;

/**
 * Fixed one-minute windows counted in Redis with INCR, so a limit holds across every API instance.
 * One round trip per check (INCR and EXPIRE in one MULTI).
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(scope: string, limitPerMinute: number, nowMs = Date.now()): Promise<RateDecision> {
    const window = Math.floor(nowMs / 1000 / WINDOW_SECONDS);
    const key = `${this.prefix}:rl:${scope}:${window}`;
    const results = await this.redis.multi().incr(key).expire(key, WINDOW_SECONDS * 2).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const retryAfterSeconds = Math.max(1, (window + 1) * WINDOW_SECONDS - Math.floor(nowMs / 1000));
    return { allowed: count <= limitPerMinute, retryAfterSeconds };
  }
}

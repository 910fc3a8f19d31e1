import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface CallFingerprint {
  dialFirst: string;
  dialSecond: string;
  dialAs: string;
  pbx: string;
  timeout: number;
  idempotencyKey: string | undefined;
}

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Never ring twice by accident. With an Idempotency-Key, a repeat within 24 h returns the original
 * request; without one, the same call from the same account within the reload window (a browser
 * reload of a pasted URL) does too. One SET NX per request decides, atomically across instances.
 */
export class DuplicateGuard {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly reloadWindowSeconds: number,
  ) {}

  /** Registers `requestId` for this call; returns the original request id when it is a repeat. */
  async original(accountId: string, call: CallFingerprint, requestId: string): Promise<string | undefined> {
    const byKey = call.idempotencyKey !== undefined;
    if (!byKey && this.reloadWindowSeconds === 0) return undefined;
    const what = byKey ? `k:${digest(call.idempotencyKey as string)}` : `r:${digest([call.dialFirst, call.dialSecond, call.dialAs, call.pbx, call.timeout].join('|'))}`;
    const key = `${this.prefix}:dup:${accountId}:${what}`;
    const ttl = byKey ? IDEMPOTENCY_TTL_SECONDS : this.reloadWindowSeconds;
    const set = await this.redis.set(key, requestId, 'EX', ttl, 'NX');
    if (set === 'OK') return undefined;
    return (await this.redis.get(key)) ?? undefined;
  }
}

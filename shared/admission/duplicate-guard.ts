import { createHash } from 'node:crypto';
import { Shards } from '../shards.js';

export interface CallFingerprint {
  dialFirst: string;
  dialSecond: string;
  dialAs: string;
  pbx: string;
  timeout: number;
  idempotencyKey: string | undefined;
  /** The call's other options, normalised: a repeat asks for exactly the same call. */
  options: string;
}

/** The key that remembers a call for a while, and for how long. */
export interface RepeatMarker {
  key: string;
  ttlSeconds: number;
}

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Never ring twice by accident. With an Idempotency-Key, a repeat within 24 h returns the original
 * request; without one, the same call from the same account within the reload window (a browser
 * reload of a pasted URL) does too. The admission script sets the marker with NX,
 * atomically across instances.
 */
export class DuplicateGuard {
  constructor(
    private readonly prefix: string,
    private readonly reloadWindowSeconds: number,
    private readonly shards: Shards = new Shards(prefix),
  ) {}

  /** The repeat marker for this call, or undefined when nothing guards it (no key, window off). */
  marker(accountId: string, call: CallFingerprint): RepeatMarker | undefined {
    if (call.idempotencyKey !== undefined) {
      return { key: `${this.shards.accountPrefix(accountId)}:dup:${accountId}:k:${digest(call.idempotencyKey)}`, ttlSeconds: IDEMPOTENCY_TTL_SECONDS };
    }
    if (this.reloadWindowSeconds === 0) return undefined;
    const fingerprint = digest([call.dialFirst, call.dialSecond, call.dialAs, call.pbx, call.timeout, call.options].join('|'));
    return { key: `${this.shards.accountPrefix(accountId)}:dup:${accountId}:r:${fingerprint}`, ttlSeconds: this.reloadWindowSeconds };
  }
}

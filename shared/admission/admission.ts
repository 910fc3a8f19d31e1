import type { Redis } from 'ioredis';
import type { StatusDocument } from '../status/status-document.js';
import type { SlotRelease, StatusStore } from '../status/status-store.js';
import type { RateCounter } from './rate-limiter.js';
import type { RepeatMarker } from './duplicate-guard.js';

/** Everything admission decides for one new request, by name. */
export interface AdmitRequest {
  accountId: string;
  /** Stored (and listed in the account's history) only when the request is admitted. */
  doc: StatusDocument;
  atMs: number;
  /** The account's rate window: over its limit the request is refused and nothing is stored. */
  rate?: RateCounter;
  /** A repeat marker: when it already names a request, that original is the answer instead. */
  repeat?: RepeatMarker;
  /** A concurrency slot: at `limit` calls in progress the request is refused; else it holds one until released or `untilMs`. */
  slot?: { limit: number; untilMs: number };
}

export type Admission = { kind: 'admitted' } | { kind: 'rate_limited' } | { kind: 'busy' } | { kind: 'repeat'; originalId: string };

/** History lists an account's requests as long as their documents live, up to this many (about 100 MB of index at most). */
const HISTORY_LIMIT = 1_000_000;

/*
 * One round trip decides and stores. Arguments travel by name (ARGV[1], JSON); the document as
 * encoded by the status store (ARGV[2]). A replay of the same admission (ioredis re-sends a script
 * whose reply was lost) finds the request's own document and answers `admitted` again: a request is
 * never a repeat of itself, and its slot is taken once.
 */
const ADMIT_SCRIPT = `
local a = cjson.decode(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return {'admitted'} end
if a.rate_limit then
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('EXPIRE', KEYS[3], a.rate_ttl) end
  if n > a.rate_limit then return {'rate_limited'} end
end
if a.repeat_ttl then
  if not redis.call('SET', KEYS[4], a.id, 'NX', 'EX', a.repeat_ttl) then return {'repeat', redis.call('GET', KEYS[4])} end
end
if a.slot_limit then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', a.at)
  if redis.call('ZCARD', KEYS[5]) >= a.slot_limit then
    if a.repeat_ttl then redis.call('DEL', KEYS[4]) end
    return {'busy'}
  end
  redis.call('ZADD', KEYS[5], a.slot_until, a.id)
  redis.call('EXPIRE', KEYS[5], a.ttl)
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', a.ttl)
redis.call('ZADD', KEYS[2], a.at, a.id)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', a.at - a.ttl * 1000)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -a.history_limit - 1)
redis.call('EXPIRE', KEYS[2], a.ttl)
return {'admitted'}
`;

/**
 * The one home of admission: the account's rate, repeats of an earlier call, and the concurrency
 * slot a call holds from admission until it ends. The slot is taken here and let go only through
 * `release` or `releasing` (the write that ends the call carries it).
 */
export class AdmissionControl {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly store: StatusStore,
  ) {
    redis.defineCommand('c2cAdmit', { numberOfKeys: 5, lua: ADMIT_SCRIPT });
  }

  async admit(request: AdmitRequest): Promise<Admission> {
    const { accountId, doc, atMs, rate, repeat, slot } = request;
    const id = doc.request_id;
    const args = {
      id,
      at: atMs,
      ttl: this.store.ttlSeconds,
      history_limit: HISTORY_LIMIT,
      ...(rate ? { rate_limit: rate.limit, rate_ttl: rate.ttlSeconds } : {}),
      ...(repeat ? { repeat_ttl: repeat.ttlSeconds } : {}),
      ...(slot ? { slot_limit: slot.limit, slot_until: slot.untilMs } : {}),
    };
    const [kind, originalId] = await (this.redis as unknown as AdmitScript).c2cAdmit(
      this.store.key(id),
      this.store.historyKey(accountId),
      rate?.key ?? '',
      repeat?.key ?? '',
      this.slotsKey(accountId),
      JSON.stringify(args),
      this.store.encodeNew(accountId, doc),
    );
    if (kind === 'rate_limited' || kind === 'busy') return { kind };
    if (kind === 'repeat' && originalId) return { kind, originalId };
    return { kind: 'admitted' };
  }

  /** The call's slot, dropped by the status write that ends the call. */
  releasing(accountId: string, requestId: string): SlotRelease {
    return { key: this.slotsKey(accountId), member: requestId };
  }

  /** Lets go of the call's slot on its own (a path that ended without a final write). */
  async release(accountId: string, requestId: string): Promise<void> {
    await this.redis.zrem(this.slotsKey(accountId), requestId);
  }

  /** The account's calls in progress, scored by when each stops counting at the latest. */
  private slotsKey(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:active`;
  }
}

interface AdmitScript {
  c2cAdmit(...args: string[]): Promise<[string, string?]>;
}

import type { RedisClient } from '../redis.js';
import { untilAnswered } from '../redis-retry.js';
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
  /** Rate windows (the account's, an endpoint's throttle, …): over any limit the request is refused and nothing is stored. */
  rates?: RateCounter[];
  /** A repeat marker: when it already names a request, that original is the answer instead. */
  repeat?: RepeatMarker;
  /** A concurrency slot: at `limit` calls in progress the request is refused; else it holds one until released or `untilMs`. */
  slot?: { limit: number; untilMs: number };
  /** A second history index the request is listed in (a saved endpoint's). */
  alsoListIn?: string;
}

export type Admission = { kind: 'admitted' } | { kind: 'rate_limited'; counter: RateCounter } | { kind: 'busy' } | { kind: 'repeat'; originalId: string };

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
for i, limit in ipairs(a.rate_limits) do
  local n = redis.call('INCR', KEYS[5 + i])
  if n == 1 then redis.call('EXPIRE', KEYS[5 + i], a.rate_ttls[i]) end
  if n > limit then return {'rate_limited', tostring(i)} end
end
if a.repeat_ttl then
  if not redis.call('SET', KEYS[3], a.id, 'NX', 'EX', a.repeat_ttl) then return {'repeat', redis.call('GET', KEYS[3])} end
end
if a.slot_limit then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', a.at)
  if redis.call('ZCARD', KEYS[4]) >= a.slot_limit then
    if a.repeat_ttl then redis.call('DEL', KEYS[3]) end
    return {'busy'}
  end
  redis.call('ZADD', KEYS[4], a.slot_until, a.id)
  redis.call('EXPIRE', KEYS[4], a.ttl)
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', a.ttl)
local lists = {KEYS[2]}
if a.also_list then lists[2] = KEYS[5] end
for _, list in ipairs(lists) do
  redis.call('ZADD', list, a.at, a.id)
  redis.call('ZREMRANGEBYSCORE', list, '-inf', a.at - a.ttl * 1000)
  redis.call('ZREMRANGEBYRANK', list, 0, -a.history_limit - 1)
  redis.call('EXPIRE', list, a.ttl)
end
return {'admitted'}
`;

/**
 * The one home of admission: the account's rate, repeats of an earlier call, and the concurrency
 * slot a call holds from admission until it ends. The slot is taken here and let go only through
 * `release` or `releasing` (the write that ends the call carries it).
 */
export class AdmissionControl {
  /** `replayForMs`: how long a release whose reply was lost is sent again (the worker's; 0 for the API). */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly store: StatusStore,
    private readonly replayForMs = 0,
  ) {
    // The number of keys varies with the rate counters: it is passed with each call.
    redis.defineCommand('c2cAdmit', { lua: ADMIT_SCRIPT });
  }

  async admit(request: AdmitRequest): Promise<Admission> {
    const { accountId, doc, atMs, rates = [], repeat, slot, alsoListIn } = request;
    const id = doc.request_id;
    const args = {
      id,
      at: atMs,
      ttl: this.store.ttlSeconds,
      history_limit: HISTORY_LIMIT,
      rate_limits: rates.map((rate) => rate.limit),
      rate_ttls: rates.map((rate) => rate.ttlSeconds),
      ...(repeat ? { repeat_ttl: repeat.ttlSeconds } : {}),
      ...(slot ? { slot_limit: slot.limit, slot_until: slot.untilMs } : {}),
      ...(alsoListIn ? { also_list: true } : {}),
    };
    // Absent keys are stood in for by the document's own key: on a Cluster every key must be in the shard's slot.
    const docKey = this.store.key(id);
    const keys = [docKey, this.store.historyKey(accountId), repeat?.key ?? docKey, this.slotsKey(accountId), alsoListIn ?? docKey, ...rates.map((rate) => rate.key)];
    const [kind, detail] = await (this.redis as unknown as AdmitScript).c2cAdmit(keys.length, ...keys, JSON.stringify(args), this.store.encodeNew(accountId, doc));
    const limited = kind === 'rate_limited' ? rates[Number(detail) - 1] : undefined;
    if (limited) return { kind: 'rate_limited', counter: limited };
    if (kind === 'busy') return { kind };
    if (kind === 'repeat' && detail) return { kind, originalId: detail };
    return { kind: 'admitted' };
  }

  /** The call's slot, dropped by the status write that ends the call. */
  releasing(accountId: string, requestId: string): SlotRelease {
    return { key: this.slotsKey(accountId), member: requestId };
  }

  /** Lets go of the call's slot on its own (a path that ended without a final write). */
  async release(accountId: string, requestId: string): Promise<void> {
    await untilAnswered(() => this.redis.zrem(this.slotsKey(accountId), requestId), this.replayForMs);
  }

  /** The account's calls in progress, scored by when each stops counting at the latest. */
  private slotsKey(accountId: string): string {
    return `${this.store.shards.accountPrefix(accountId)}:acct:${accountId}:active`;
  }
}

interface AdmitScript {
  c2cAdmit(numberOfKeys: number, ...args: string[]): Promise<[string, string?]>;
}

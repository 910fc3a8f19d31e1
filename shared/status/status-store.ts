import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import { TransitionError, type CallState, type StatusDocument, type StatusError } from './status-document.js';

/** What every status change announces on the status channel (one shared subscription per API process). */
export interface StatusChange {
  id: string;
  v: number;
  state: CallState;
  error?: StatusError;
}

/** Who got to decide the fate of a queued request first: the worker dispatching it, or a canceller. */
export type ClaimOwner = 'dispatch' | 'cancel' | 'expire';

export interface StoredStatus {
  accountId: string;
  version: number;
  doc: StatusDocument;
}

/*
 * A status document is one string key: "<version>\n<claim>\n<account id>\n<document JSON>" (JSON
 * never contains a raw newline). One key with one value costs about 270 bytes less than a hash of
 * four fields; every write is a whole value anyway. The claim is empty until someone claims.
 */

// Compare-and-set on the version, then announce the change: one round trip, no lost updates.
// When the change ends the call, KEYS[2] (the account's calls in progress) lets go of it in the same trip.
const UPDATE_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return -1 end
local first = string.find(raw, '\\n', 1, true)
if string.sub(raw, 1, first - 1) ~= ARGV[1] then return 0 end
local third = string.find(raw, '\\n', string.find(raw, '\\n', first + 1, true) + 1, true)
redis.call('SET', KEYS[1], tostring(tonumber(ARGV[1]) + 1) .. string.sub(raw, first, third) .. ARGV[2], 'KEEPTTL')
redis.call('PUBLISH', ARGV[3], ARGV[4])
if KEYS[2] ~= '' then redis.call('ZREM', KEYS[2], ARGV[5]) end
return 1
`;

// Admission of a new request in one round trip: count it against its rate limit, then (unless it
// repeats an earlier call) store its document and list it in the account's history.
const CREATE_SCRIPT = `
if KEYS[3] ~= '' then
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
  if n > tonumber(ARGV[5]) then return {'limited'} end
end
if KEYS[4] ~= '' then
  if not redis.call('SET', KEYS[4], ARGV[1], 'NX', 'EX', ARGV[7]) then return {'duplicate', redis.call('GET', KEYS[4])} end
end
if KEYS[5] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[4])
  if redis.call('ZCARD', KEYS[5]) >= tonumber(ARGV[10]) then
    if KEYS[4] ~= '' then redis.call('DEL', KEYS[4]) end
    return {'busy'}
  end
  redis.call('ZADD', KEYS[5], ARGV[11], ARGV[1])
  redis.call('EXPIRE', KEYS[5], ARGV[8])
end
redis.call('SET', KEYS[1], '1\\n\\n' .. ARGV[2] .. '\\n' .. ARGV[3], 'EX', ARGV[8])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[9]) - 1)
redis.call('EXPIRE', KEYS[2], ARGV[8])
return {'created'}
`;

// The claim lives in the document's own key: it expires with it and costs no extra key.
// The winner gets the document with it, so its next write needs no read.
const CLAIM_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local first = string.find(raw, '\\n', 1, true)
local second = string.find(raw, '\\n', first + 1, true)
local holder = string.sub(raw, first + 1, second - 1)
if holder ~= '' then return {0, holder} end
local third = string.find(raw, '\\n', second + 1, true)
redis.call('SET', KEYS[1], string.sub(raw, 1, first) .. ARGV[1] .. string.sub(raw, second), 'KEEPTTL')
return {1, ARGV[1], string.sub(raw, second + 1, third - 1), string.sub(raw, 1, first - 1), string.sub(raw, third + 1)}
`;

/** Optional checks `create` makes atomically before storing. */
export interface Admission {
  /** A rate-limit counter to increment; over `limit` the request is refused and nothing stored. */
  rate?: { key: string; limit: number; ttlSeconds: number };
  /** A repeat marker: when it already names a request, that original is returned instead. */
  repeat?: { key: string; ttlSeconds: number };
  /** Calls in progress for the account: at `limit` the request is refused; else it counts until released or `untilMs`. */
  active?: { limit: number; untilMs: number };
}

export type CreateOutcome = { kind: 'created' } | { kind: 'limited' } | { kind: 'busy' } | { kind: 'duplicate'; originalId: string };

const HISTORY_LIMIT = 1000;
const MAX_UPDATE_ATTEMPTS = 20;

/** The one module that knows how status documents are keyed, encoded and expired in Redis. */
export class StatusStore {
  readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {
    this.channel = `${prefix}:status-changes`;
    redis.defineCommand('c2cStatusUpdate', { numberOfKeys: 2, lua: UPDATE_SCRIPT });
    redis.defineCommand('c2cStatusCreate', { numberOfKeys: 5, lua: CREATE_SCRIPT });
    redis.defineCommand('c2cStatusClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
  }

  /** The Redis key of a request's document. */
  key(id: string): string {
    return `${this.prefix}:st:${id}`;
  }

  /** The account's calls in progress (for `max_concurrent`). */
  activeKey(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:active`;
  }

  /** The call no longer counts against the account's `max_concurrent`. */
  async release(accountId: string, id: string): Promise<void> {
    await this.redis.zrem(this.activeKey(accountId), id);
  }

  historyKey(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:history`;
  }

  /** Stores a new document and lists it in the account's history, after the admission checks, in one round trip. */
  async create(accountId: string, doc: StatusDocument, atMs: number, admission: Admission = {}): Promise<CreateOutcome> {
    const { rate, repeat, active } = admission;
    const [kind, originalId] = await (this.redis as unknown as StatusScripts).c2cStatusCreate(
      this.key(doc.request_id),
      this.historyKey(accountId),
      rate?.key ?? '',
      repeat?.key ?? '',
      active ? this.activeKey(accountId) : '',
      doc.request_id,
      accountId,
      JSON.stringify(doc),
      String(atMs),
      String(rate?.limit ?? 0),
      String(rate?.ttlSeconds ?? 0),
      String(repeat?.ttlSeconds ?? 0),
      String(this.ttlSeconds),
      String(HISTORY_LIMIT),
      String(active?.limit ?? 0),
      String(active?.untilMs ?? 0),
    );
    if (kind === 'limited' || kind === 'busy') return { kind };
    if (kind === 'duplicate' && originalId) return { kind, originalId };
    return { kind: 'created' };
  }

  async get(id: string): Promise<StoredStatus | undefined> {
    const raw = await this.getRaw(id);
    return raw && { accountId: raw.accountId, version: raw.version, doc: JSON.parse(raw.json) as StatusDocument };
  }

  /** The document as stored (JSON text), for readers that pass it through without parsing. */
  async getRaw(id: string): Promise<{ accountId: string; version: number; json: string } | undefined> {
    const key = this.key(id);
    try {
      const raw = await this.redis.get(key);
      return raw === null ? undefined : parseStored(raw);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('WRONGTYPE'))) throw err;
      // Stored by an earlier release as a hash {a, v, d}: still readable until it expires.
      const [accountId, version, json] = await this.redis.hmget(key, 'a', 'v', 'd');
      if (accountId == null || version == null || json == null) return undefined;
      return { accountId, version: Number(version), json };
    }
  }

  /**
   * Applies a pure transition with optimistic concurrency. Returns the stored result, or undefined
   * when the document is gone or the transition no longer applies (another writer moved it on).
   * `known` (what this writer stored last) saves the read; a conflict falls back to reading.
   * A transition that returns the document unchanged writes nothing. With `release`, the call stops
   * counting against its account's `max_concurrent`, in the same round trip as the write (or alone
   * when nothing is written).
   */
  async update(id: string, transition: (doc: StatusDocument) => StatusDocument, known?: StoredStatus, release?: { accountId: string }): Promise<StoredStatus | undefined> {
    let current = known;
    const releaseAlone = async <T>(result: T): Promise<T> => {
      if (release) await this.release(release.accountId, id);
      return result;
    };
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      current ??= await this.get(id);
      if (!current) return releaseAlone(undefined);
      let next: StatusDocument;
      try {
        next = transition(current.doc);
      } catch (err) {
        if (err instanceof TransitionError) return releaseAlone(undefined);
        throw err;
      }
      if (next === current.doc) return releaseAlone(current);
      const change: StatusChange = { id, v: current.version + 1, state: next.state };
      // A new error is announced (a failure, or a call whose outcome became unknown); progress is not.
      if (next.response?.error && next.response !== current.doc.response) change.error = next.response.error;
      const result = await (this.redis as unknown as StatusScripts).c2cStatusUpdate(
        this.key(id),
        release ? this.activeKey(release.accountId) : '',
        String(current.version),
        JSON.stringify(next),
        this.channel,
        JSON.stringify(change),
        id,
      );
      if (result === 1) return { accountId: current.accountId, version: current.version + 1, doc: next };
      if (result === -1) return releaseAlone(undefined);
      current = undefined;
    }
    throw new AppError('internal_error', `status ${id} kept changing under concurrent writers`);
  }

  /**
   * Atomically decides who owns a queued request. Exactly one of the worker (about to dial) and a
   * canceller (the API's wait bound, the queue deadline) wins, once: a second dispatch attempt of
   * the same request (a re-run job) loses too, so a call is never dialed twice. The winner gets
   * the document as stored.
   */
  async claim(id: string, owner: ClaimOwner): Promise<{ won: boolean; holder: ClaimOwner; stored?: StoredStatus }> {
    const result = await (this.redis as unknown as StatusScripts).c2cStatusClaim(this.key(id), owner);
    // No document (expired or never stored): nobody may dial it.
    if (result === null) return { won: false, holder: 'expire' };
    const [won, holder, accountId, version, json] = result;
    if (won !== 1) return { won: false, holder: holder as ClaimOwner };
    const stored = accountId != null && version != null && json != null ? { accountId, version: Number(version), doc: JSON.parse(json) as StatusDocument } : undefined;
    return { won: true, holder: holder as ClaimOwner, ...(stored ? { stored } : {}) };
  }

  /** Request ids of an account, newest first; `beforeMs` pages back in time. */
  async history(accountId: string, limit: number, beforeMs?: number): Promise<{ id: string; atMs: number }[]> {
    const max = beforeMs === undefined ? '+inf' : `(${beforeMs}`;
    const flat = await this.redis.zrevrangebyscore(this.historyKey(accountId), max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit);
    const rows: { id: string; atMs: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ id: flat[i] as string, atMs: Number(flat[i + 1]) });
    return rows;
  }
}

interface StatusScripts {
  c2cStatusUpdate(key: string, activeKey: string, version: string, doc: string, channel: string, message: string, id: string): Promise<number>;
  c2cStatusCreate(...args: string[]): Promise<[string, string?]>;
  c2cStatusClaim(key: string, owner: string): Promise<[number, string, (string | null)?, (string | null)?, (string | null)?] | null>;
}

/** Splits "<version>\n<claim>\n<account id>\n<JSON>" as stored by the scripts above. */
function parseStored(raw: string): { accountId: string; version: number; json: string } | undefined {
  const first = raw.indexOf('\n');
  const second = raw.indexOf('\n', first + 1);
  const third = raw.indexOf('\n', second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  return { accountId: raw.slice(second + 1, third), version: Number(raw.slice(0, first)), json: raw.slice(third + 1) };
}

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

// Compare-and-set on the version, then announce the change: one round trip, no lost updates.
const UPDATE_SCRIPT = `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(v) + 1), 'd', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

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
    redis.defineCommand('c2cStatusUpdate', { numberOfKeys: 1, lua: UPDATE_SCRIPT });
  }

  private key(id: string): string {
    return `${this.prefix}:st:${id}`;
  }

  private claimKey(id: string): string {
    return `${this.prefix}:claim:${id}`;
  }

  historyKey(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:history`;
  }

  /** Stores a new document and lists it in the account's history, in one round trip. */
  async create(accountId: string, doc: StatusDocument, atMs: number): Promise<void> {
    const key = this.key(doc.request_id);
    const history = this.historyKey(accountId);
    await this.redis
      .multi()
      .hset(key, 'a', accountId, 'v', '1', 'd', JSON.stringify(doc))
      .expire(key, this.ttlSeconds)
      .zadd(history, atMs, doc.request_id)
      .zremrangebyrank(history, 0, -HISTORY_LIMIT - 1)
      .expire(history, this.ttlSeconds)
      .exec();
  }

  async get(id: string): Promise<StoredStatus | undefined> {
    const [accountId, version, json] = await this.redis.hmget(this.key(id), 'a', 'v', 'd');
    if (accountId == null || version == null || json == null) return undefined;
    return { accountId, version: Number(version), doc: JSON.parse(json) as StatusDocument };
  }

  /**
   * Applies a pure transition with optimistic concurrency. Returns the new document, or undefined
   * when the document is gone or the transition no longer applies (another writer moved it on).
   */
  async update(id: string, transition: (doc: StatusDocument) => StatusDocument): Promise<StatusDocument | undefined> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) return undefined;
      let next: StatusDocument;
      try {
        next = transition(current.doc);
      } catch (err) {
        if (err instanceof TransitionError) return undefined;
        throw err;
      }
      const change: StatusChange = { id, v: current.version + 1, state: next.state };
      if (next.response?.error && next.state !== current.doc.state) change.error = next.response.error;
      const result = await (this.redis as unknown as StatusScripts).c2cStatusUpdate(
        this.key(id),
        String(current.version),
        JSON.stringify(next),
        this.channel,
        JSON.stringify(change),
      );
      if (result === 1) return next;
      if (result === -1) return undefined;
    }
    throw new AppError('internal_error', `status ${id} kept changing under concurrent writers`);
  }

  /**
   * Atomically decides who owns a queued request. Exactly one of the worker (about to dial) and a
   * canceller (the API's wait bound, the queue deadline) wins, once: a second dispatch attempt of
   * the same request (a re-run job) loses too, so a call is never dialed twice.
   */
  async claim(id: string, owner: ClaimOwner): Promise<{ won: boolean; holder: ClaimOwner }> {
    const won = await this.redis.set(this.claimKey(id), owner, 'EX', this.ttlSeconds, 'NX');
    if (won === 'OK') return { won: true, holder: owner };
    return { won: false, holder: ((await this.redis.get(this.claimKey(id))) ?? owner) as ClaimOwner };
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
  c2cStatusUpdate(key: string, version: string, doc: string, channel: string, message: string): Promise<number>;
}

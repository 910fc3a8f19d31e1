import type { RedisClient } from '../redis.js';
import { AppError } from '../errors.js';
import { untilAnswered } from '../redis-retry.js';
import { Shards } from '../shards.js';
import { isLegacyFormat, readLegacyStatus } from './legacy-status-format.js';
import { TransitionError, type CallState, type StatusDocument, type StatusError } from './status-document.js';
import { CHANGE_STREAM_MAX_LEN, changeStreamKey, webhookFlagKey } from '../webhooks/webhook-keys.js';

/** What every status change announces on the status channel (one shared subscription per API process). */
export interface StatusChange {
  id: string;
  v: number;
  state: CallState;
  error?: StatusError;
}

/** Who may decide the fate of a queued request: the worker dialing it, or a canceller. */
export type ClaimKind = 'dispatch' | 'cancel' | 'expire';

/**
 * One attempt at a claim. `attempt` names this very attempt (a job's lock token, one API request's
 * wait), so that the same attempt sent twice (ioredis re-sends a script whose reply was lost) gets
 * the same answer, while any other attempt, even of the same kind, loses.
 */
export interface ClaimAttempt {
  kind: ClaimKind;
  attempt: string;
  /** A BullMQ job lock that must still hold `token`: a worker that lost its job's lock must not dial. */
  lock?: { key: string; token: string };
}

export type ClaimResult =
  | { won: true; stored: StoredStatus }
  | { won: false; holder: ClaimKind | 'lock_lost' | 'missing' };

export interface StoredStatus {
  accountId: string;
  version: number;
  doc: StatusDocument;
}

/** A sorted-set member dropped in the same round trip as a write (the admission module's concurrency slot). */
export interface SlotRelease {
  key: string;
  member: string;
}

/*
 * A status document is one string key: "<version>\n<claim>\n<account id>\n<document JSON>" (JSON
 * never contains a raw newline). One key with one value costs about 270 bytes less than a hash of
 * four fields; every write is a whole value anyway. The claim is empty until someone claims.
 */

// Compare-and-set on the version, then announce the change: one round trip, no lost updates. The
// same write sent again (a replay after a lost reply) finds its own result stored and succeeds again.
// A write that adds events (ARGV[6]: the index of the first) is also appended to the webhook change
// stream when the request has a status_callback (ARGV[7]) or its account has subscribers (the flag
// KEYS[3]): the webhook worker fans it out (worker/webhooks/change-fanout.ts).
const UPDATE_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return -1 end
local first = string.find(raw, '\\n', 1, true)
local third = string.find(raw, '\\n', string.find(raw, '\\n', first + 1, true) + 1, true)
local version = string.sub(raw, 1, first - 1)
if version ~= ARGV[1] then
  if version == tostring(tonumber(ARGV[1]) + 1) and string.sub(raw, third + 1) == ARGV[2] then return 1 end
  return 0
end
redis.call('SET', KEYS[1], tostring(tonumber(ARGV[1]) + 1) .. string.sub(raw, first, third) .. ARGV[2], 'KEEPTTL')
redis.call('PUBLISH', ARGV[3], ARGV[4])
if KEYS[2] ~= KEYS[1] then redis.call('ZREM', KEYS[2], ARGV[5]) end
if ARGV[6] ~= '' and (ARGV[7] == '1' or redis.call('EXISTS', KEYS[3]) == 1) then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', '${CHANGE_STREAM_MAX_LEN}', '*', 'a', ARGV[8], 'f', ARGV[6], 'c', ARGV[4])
end
return 1
`;

// The claim lives in the document's own key: it expires with it and costs no extra key. The winner
// (and the same attempt again) gets the document with it, so its next write needs no read.
const CLAIM_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
if KEYS[2] ~= KEYS[1] and redis.call('GET', KEYS[2]) ~= ARGV[2] then return {0, 'lock_lost'} end
local first = string.find(raw, '\\n', 1, true)
local second = string.find(raw, '\\n', first + 1, true)
local holder = string.sub(raw, first + 1, second - 1)
if holder ~= '' and holder ~= ARGV[1] then return {0, holder} end
if holder == '' then
  redis.call('SET', KEYS[1], string.sub(raw, 1, first) .. ARGV[1] .. string.sub(raw, second), 'KEEPTTL')
end
local third = string.find(raw, '\\n', second + 1, true)
return {1, ARGV[1], string.sub(raw, second + 1, third - 1), string.sub(raw, 1, first - 1), string.sub(raw, third + 1)}
`;

const MAX_UPDATE_ATTEMPTS = 20;

/** The one module that knows how status documents are keyed, encoded and expired, and how they change. */
export class StatusStore {
  readonly channel: string;

  /**
   * `replayForMs`: how long a write or claim whose reply was lost is sent again (the worker waits
   * Redis out; the API, which must answer promptly, does not). Safe because the scripts are idempotent
   * for their own attempt.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly ttlSeconds: number,
    private readonly replayForMs = 0,
    readonly shards: Shards = new Shards(prefix),
  ) {
    // One channel for every shard: pub/sub reaches every node of a Cluster whatever the channel's name.
    this.channel = `${prefix}:status-changes`;
    redis.defineCommand('c2cStatusUpdate', { numberOfKeys: 4, lua: UPDATE_SCRIPT });
    redis.defineCommand('c2cStatusClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
  }

  /** The Redis key of a request's document. */
  key(id: string): string {
    return `${this.shards.requestPrefix(id)}:st:${id}`;
  }

  /** The account's request ids by time (history), written by the admission script. */
  historyKey(accountId: string): string {
    return `${this.shards.accountPrefix(accountId)}:acct:${accountId}:history`;
  }

  /** The stored value of a new, unclaimed document at version 1. */
  encodeNew(accountId: string, doc: StatusDocument): string {
    return `1\n\n${accountId}\n${JSON.stringify(doc)}`;
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
      if (!isLegacyFormat(err)) throw err;
      return readLegacyStatus(this.redis, key);
    }
  }

  /**
   * Applies a pure transition with optimistic concurrency. Returns the stored result, or undefined
   * when the document is gone or the transition no longer applies (another writer moved it on).
   * `known` (what this writer stored last) saves the read; a conflict falls back to reading.
   * A transition that returns the document unchanged writes nothing. `release` drops the call's
   * concurrency slot in the same round trip as the write (or alone when nothing is written).
   */
  async update(id: string, transition: (doc: StatusDocument) => StatusDocument, known?: StoredStatus, release?: SlotRelease): Promise<StoredStatus | undefined> {
    let current = known;
    const releaseAlone = async <T>(result: T): Promise<T> => {
      if (release) await untilAnswered(() => this.redis.zrem(release.key, release.member), this.replayForMs);
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
      // Webhooks get one event per new `events` entry; the first write also carries `queued`, which
      // admission stored without announcing it.
      const added = next.events.length > current.doc.events.length;
      const args = [
        this.key(id),
        // No slot to release: the document's own key stands in (a Cluster needs every key in the slot).
        release?.key ?? this.key(id),
        webhookFlagKey(this.shards.accountPrefix(current.accountId), current.accountId),
        changeStreamKey(this.shards.requestPrefix(id)),
        String(current.version),
        JSON.stringify(next),
        this.channel,
        JSON.stringify(change),
        release?.member ?? '',
        added ? String(current.version === 1 ? 0 : current.doc.events.length) : '',
        added && next.request.request_data.status_callback !== undefined ? '1' : '',
        current.accountId,
      ] as const;
      const result = await untilAnswered(() => (this.redis as unknown as StatusScripts).c2cStatusUpdate(...args), this.replayForMs);
      if (result === 1) return { accountId: current.accountId, version: current.version + 1, doc: next };
      if (result === -1) return releaseAlone(undefined);
      current = undefined;
    }
    throw new AppError('internal_error', `status ${id} kept changing under concurrent writers`);
  }

  /**
   * Atomically decides who owns a queued request. Exactly one attempt (a worker about to dial, or a
   * canceller: the API's wait bound, the queue deadline, an interrupted job) wins, once; the same
   * attempt asking again gets the same answer. A request with no document can be dialed by nobody.
   */
  async claim(id: string, claim: ClaimAttempt): Promise<ClaimResult> {
    const holder = `${claim.kind}:${claim.attempt}`;
    const result = await untilAnswered(() => (this.redis as unknown as StatusScripts).c2cStatusClaim(this.key(id), claim.lock?.key ?? this.key(id), holder, claim.lock?.token ?? ''), this.replayForMs);
    if (result === null) return { won: false, holder: 'missing' };
    const [won, stored, accountId, version, json] = result;
    if (won !== 1 || accountId == null || version == null || json == null) return { won: false, holder: holderKind(stored) };
    return { won: true, stored: { accountId, version: Number(version), doc: JSON.parse(json) as StatusDocument } };
  }

  /**
   * Stores a final document for a request that has none yet, unless one appears first. A request
   * whose admission reply was lost may still be written late (a command re-sent after a failover):
   * with this document in place the late admission finds its id taken and stores nothing.
   */
  async bury(accountId: string, doc: StatusDocument): Promise<boolean> {
    const set = await this.redis.set(this.key(doc.request_id), this.encodeNew(accountId, doc), 'EX', this.ttlSeconds, 'NX');
    return set === 'OK';
  }

  /**
   * Request ids of a history index (an account's, an endpoint's), newest first, from `until` back to `since` (Unix ms, both inclusive);
   * `skip` steps over the first ids of that range (those a previous page already returned).
   */
  async history(indexKey: string, page: { limit: number; until?: number; since?: number; skip?: number }): Promise<{ id: string; atMs: number }[]> {
    const max = page.until === undefined ? '+inf' : String(page.until);
    const min = page.since === undefined ? '-inf' : String(page.since);
    const flat = await this.redis.zrevrangebyscore(indexKey, max, min, 'WITHSCORES', 'LIMIT', page.skip ?? 0, page.limit);
    const rows: { id: string; atMs: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ id: flat[i] as string, atMs: Number(flat[i + 1]) });
    return rows;
  }

  /** Several documents in one round trip, parsed; undefined where one is gone. */
  async getMany(ids: string[]): Promise<(StatusDocument | undefined)[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.key(id)));
    return raws.map((raw) => {
      const parsed = raw === null ? undefined : parseStored(raw);
      return parsed && (JSON.parse(parsed.json) as StatusDocument);
    });
  }
}

interface StatusScripts {
  c2cStatusUpdate(
    key: string,
    slotKey: string,
    webhookFlagKey: string,
    changeStream: string,
    version: string,
    doc: string,
    channel: string,
    message: string,
    member: string,
    firstNewEvent: string,
    hasStatusCallback: string,
    accountId: string,
  ): Promise<number>;
  c2cStatusClaim(key: string, lockKey: string, holder: string, lockToken: string): Promise<[number, string, (string | null)?, (string | null)?, (string | null)?] | null>;
}

/** "dispatch:<attempt>" → "dispatch"; a claim written by the previous release is just the kind. */
function holderKind(holder: string): ClaimKind | 'lock_lost' {
  const kind = holder.split(':', 1)[0];
  return kind === 'dispatch' || kind === 'cancel' || kind === 'expire' || kind === 'lock_lost' ? kind : 'dispatch';
}

/** Splits "<version>\n<claim>\n<account id>\n<JSON>" as stored by the scripts above. */
function parseStored(raw: string): { accountId: string; version: number; json: string } | undefined {
  const first = raw.indexOf('\n');
  const second = raw.indexOf('\n', first + 1);
  const third = raw.indexOf('\n', second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  return { accountId: raw.slice(second + 1, third), version: Number(raw.slice(0, first)), json: raw.slice(third + 1) };
}

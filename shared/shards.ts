import { randomUUID } from 'node:crypto';

/**
 * Where a call's keys live (SPEC §12). The sharding key is the account: each account belongs to one
 * shard, and every key a call's scripts touch (its status document, the account's history, rate
 * windows, concurrency slots and repeat markers, a saved endpoint's history and throttle, the
 * webhook flag and stream, the BullMQ queue and its job locks) carries that shard's hash tag, so
 * each script runs in one Cluster slot and per-account limits hold exactly. A request id carries its
 * shard in its last two hex digits, so a status read finds the shard from the id alone.
 *
 * Trade-off: one very busy account loads one master; limits never need cross-slot counting.
 *
 * On a single Redis with one shard (the default) the layout is the previous release's, unchanged:
 * no tag, `<prefix>:st:<id>`, queue prefix `<prefix>:q`.
 */
export class Shards {
  readonly count: number;
  private readonly tagged: boolean;
  private readonly tags: string[];

  /** `clustered`: keys carry hash tags (one slot per shard); always so with more than one shard. */
  constructor(
    readonly prefix: string,
    count = 1,
    clustered = false,
  ) {
    this.tagged = clustered || count > 1;
    this.tags = Array.from({ length: count }, (_, n) => spreadTag(prefix, n, count));
    if (!Number.isInteger(count) || count < 1 || count > 256) throw new Error('QUEUE_SHARDS must be 1 to 256');
    this.count = count;
  }

  /** Every shard index, for processes that serve them all. */
  all(): number[] {
    return Array.from({ length: this.count }, (_, n) => n);
  }

  /** The key prefix of shard `n`: one hash tag per shard, or the plain prefix on an untagged single shard. */
  keyPrefix(n: number): string {
    return this.tagged ? `${this.prefix}:{${this.tags[n]}}` : this.prefix;
  }

  queuePrefix(n: number): string {
    return `${this.keyPrefix(n)}:q`;
  }

  /**
   * A new account's id: on several shards it ends in `_s<n>`, the account's shard for good, spread by
   * a hash of the random part. Adding shards later moves no account (its limits and history stay
   * whole); new accounts spread over all of them. Ids without the suffix (one shard, or made before
   * sharding) are shard 0.
   */
  newAccountId(randomId: string): string {
    if (this.count === 1) return randomId;
    let hash = 2166136261;
    for (let i = 0; i < randomId.length; i++) hash = Math.imul(hash ^ randomId.charCodeAt(i), 16777619) >>> 0;
    return `${randomId}_s${hash % this.count}`;
  }

  /** The shard of an account (all of its calls' keys live there). */
  ofAccount(accountId: string): number {
    const match = /_s([0-9]{1,3})$/.exec(accountId);
    const n = match ? Number(match[1]) : 0;
    return n < this.count ? n : 0;
  }

  /** The key prefix of an account's shard. */
  accountPrefix(accountId: string): string {
    return this.keyPrefix(this.ofAccount(accountId));
  }

  /** The key prefix of a request's shard (shard 0 for an id no shard could have made: such keys never exist). */
  requestPrefix(requestId: string): string {
    return this.keyPrefix(this.ofRequest(requestId) ?? 0);
  }

  /** A new request id of shard `n`: a random UUID v4 whose last byte names the shard. */
  newRequestId(n: number): string {
    const id = randomUUID();
    return this.count === 1 ? id : `${id.slice(0, -2)}${n.toString(16).padStart(2, '0')}`;
  }

  /** The shard of a request id, or undefined for an id no shard of this relay could have made. */
  ofRequest(id: string): number | undefined {
    if (this.count === 1) return 0;
    const n = Number.parseInt(id.slice(-2), 16);
    return Number.isInteger(n) && n < this.count ? n : undefined;
  }
}

/** Redis Cluster's key slot of a hash tag: CRC16 (XMODEM) mod 16384. */
export function clusterSlot(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/**
 * Shard n's hash tag, chosen so its slot falls in the n-th of `count` equal parts of the slot space:
 * a Cluster whose masters split the slots evenly (as `redis-cli --cluster create` does) then carries
 * one shard per master, or an even share of them, whatever the prefix.
 */
function spreadTag(prefix: string, n: number, count: number): string {
  const low = Math.floor((n * 16384) / count);
  const high = Math.floor(((n + 1) * 16384) / count);
  for (let salt = 0; ; salt++) {
    const tag = salt === 0 ? `${prefix}:${n}` : `${prefix}:${n}:${salt}`;
    const slot = clusterSlot(tag);
    if (slot >= low && slot < high) return tag;
  }
}

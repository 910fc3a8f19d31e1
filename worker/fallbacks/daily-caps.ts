/**
 * Daily caps on no-answer fallbacks, so that a public click-to-call page cannot be turned into a
 * mail or SMS cannon: per account and channel (the policy's `daily_email_cap`, `daily_sms_cap`) and
 * per recipient (PER_RECIPIENT_DAILY_CAP messages to one address or number), per UTC day.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../../shared/redis.js';
import type { Shards } from '../../shared/shards.js';
import type { FallbackChannel } from '../../shared/findme/no-answer-report.js';

/** One address or number gets at most this many messages of a channel a day from one account. */
export const PER_RECIPIENT_DAILY_CAP = 5;

// A day's counters outlive their day, so a clock a little off never restarts a count early.
const COUNTER_TTL_SECONDS = 2 * 24 * 3600;

/**
 * Both counters are read, and incremented only when both are under their caps, in one round trip:
 * a refused message does not count, so messages refused to one recipient cannot use up the
 * account's cap for everyone else. A message counts when it is tried, whether or not it is delivered.
 */
const TAKE_SCRIPT = `
local cap, per_recipient, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if tonumber(redis.call('GET', KEYS[1]) or '0') >= cap then return 'account' end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= per_recipient then return 'recipient' end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ttl)
end
return 'taken'
`;

export type CapDecision = { allowed: true } | { allowed: false; message: string };

interface TakeScript {
  c2cFallbackCap(account: string, recipient: string, cap: number, perRecipient: number, ttl: number): Promise<'account' | 'recipient' | 'taken'>;
}

const NOUN: Record<FallbackChannel, string> = { email: 'emails', sms: 'SMS' };

export class DailyCaps {
  constructor(
    private readonly redis: RedisClient,
    private readonly shards: Shards,
  ) {
    redis.defineCommand('c2cFallbackCap', { numberOfKeys: 2, lua: TAKE_SCRIPT });
  }

  /** Counts one message of `channel` to `recipient` if the caps allow it; `accountCap` is the policy's. */
  async take(accountId: string, channel: FallbackChannel, recipient: string, accountCap: number, at: Date): Promise<CapDecision> {
    const day = at.toISOString().slice(0, 10);
    // Under the account's shard prefix (one Cluster slot); the recipient is hashed, so no address is in a key name.
    const base = `${this.shards.accountPrefix(accountId)}:acct:${accountId}:fallback-cap:${channel}:${day}`;
    const who = createHash('sha256').update(recipient.trim().toLowerCase()).digest('hex').slice(0, 32);
    const verdict = await (this.redis as unknown as TakeScript).c2cFallbackCap(base, `${base}:${who}`, accountCap, PER_RECIPIENT_DAILY_CAP, COUNTER_TTL_SECONDS);
    if (verdict === 'taken') return { allowed: true };
    const message =
      verdict === 'account'
        ? `The account's daily cap of ${accountCap} no-answer ${NOUN[channel]} (UTC day ${day}) is reached; not sent.`
        : `${recipient} has had ${PER_RECIPIENT_DAILY_CAP} no-answer ${NOUN[channel]} from this account today (UTC day ${day}), the most it gets; not sent.`;
    return { allowed: false, message };
  }
}

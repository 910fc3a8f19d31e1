import type { PbxKind } from '../../shared/accounts/pbx-settings.js';
import type { RedisClient } from '../../shared/redis.js';
import type { Shards } from '../../shared/shards.js';

/** An agent the relay paused for a click-to-agent call, with what to restore them to. */
export interface AgentPause {
  account_id: string;
  pbx: PbxKind;
  queue: string;
  interface: string;
  request_id: string;
  /** The agent's pause state and reason before the call. */
  earlier: { paused: boolean; reason: string };
  /** Until when the worker that paused the agent vouches for restoring them (it renews this while it follows the call). */
  until_ms: number;
}

/**
 * Who the relay has paused, kept in Redis before the pause is sent, so that an agent is restored
 * even when the worker that paused them restarts or loses the PBX connection mid-call: any worker's
 * keeper (agent-pause-keeper.ts) restores a pause nobody vouches for any more. One entry per agent
 * and queue: a second click-to-agent call for an agent already on one is refused.
 */
export class AgentPauseLedger {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly shards: Shards,
  ) {}

  private key(accountId: string): string {
    return `${this.shards.accountPrefix(accountId)}:agent-pauses`;
  }

  private get indexKey(): string {
    return `${this.prefix}:agent-pause-accounts`;
  }

  private field(pause: Pick<AgentPause, 'queue' | 'interface'>): string {
    return `${pause.queue}|${pause.interface}`;
  }

  /** Records the pause about to be made; false when the agent is already paused by another call. */
  async hold(pause: AgentPause): Promise<boolean> {
    // Indexed first: an entry is always found by the keepers, even if this process dies right after.
    await this.redis.sadd(this.indexKey, pause.account_id);
    return (await this.redis.hsetnx(this.key(pause.account_id), this.field(pause), JSON.stringify(pause))) === 1;
  }

  /** The owner still follows the call: it vouches for the restore a while longer. */
  async renew(pause: AgentPause, untilMs: number): Promise<void> {
    const current = await this.get(pause);
    if (current?.request_id === pause.request_id) await this.redis.hset(this.key(pause.account_id), this.field(pause), JSON.stringify({ ...current, until_ms: untilMs }));
  }

  async get(pause: Pick<AgentPause, 'account_id' | 'queue' | 'interface'>): Promise<AgentPause | undefined> {
    const json = await this.redis.hget(this.key(pause.account_id), this.field(pause));
    return json === null ? undefined : (JSON.parse(json) as AgentPause);
  }

  /** The agent was restored: the entry of this call goes (never another call's). */
  async release(pause: AgentPause): Promise<void> {
    const current = await this.get(pause);
    if (current?.request_id === pause.request_id) await this.redis.hdel(this.key(pause.account_id), this.field(pause));
  }

  /** Every pause nobody vouches for at `nowMs`. */
  async unvouched(nowMs: number): Promise<AgentPause[]> {
    const accounts = await this.redis.smembers(this.indexKey);
    const found: AgentPause[] = [];
    for (const accountId of accounts) {
      // The index keeps an account once it has used click-to-agent: removing it could race a new pause.
      for (const json of Object.values(await this.redis.hgetall(this.key(accountId)))) {
        const pause = JSON.parse(json) as AgentPause;
        if (pause.until_ms <= nowMs) found.push(pause);
      }
    }
    return found;
  }
}

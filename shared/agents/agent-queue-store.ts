import type { RedisClient } from '../redis.js';
import { AccountResourceStore, type Saved } from '../accounts/account-resource-store.js';
import type { AgentQueueSettings } from './agent-queue-settings.js';

export type AgentQueue = Saved<AgentQueueSettings>;

/** An account's agent queues: `<prefix>:acct:<account>:agent-queues`, field = queue id. */
export class AgentQueueStore extends AccountResourceStore<AgentQueueSettings> {
  constructor(redis: RedisClient, prefix: string) {
    super(redis, prefix, 'agent-queues', 'agent queue');
  }
}

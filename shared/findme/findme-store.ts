import type { RedisClient } from '../redis.js';
import { AccountResourceStore, type Saved } from '../accounts/account-resource-store.js';
import type { FindMeSettings } from './findme-settings.js';

export type FindMeList = Saved<FindMeSettings>;

/** An account's FindMe lists: `<prefix>:acct:<account>:findme`, field = FindMe id. */
export class FindMeStore extends AccountResourceStore<FindMeSettings> {
  constructor(redis: RedisClient, prefix: string) {
    super(redis, prefix, 'findme', 'FindMe list');
  }
}

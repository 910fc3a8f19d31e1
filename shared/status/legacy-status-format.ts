import type { RedisClient } from '../redis.js';

/**
 * Status documents stored by the release before last were a hash `{a: account id, v: version,
 * d: document JSON}`. They stay readable until they expire (at most STATUS_TTL_SECONDS after that
 * release was replaced); then this file can go.
 */
export function isLegacyFormat(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('WRONGTYPE');
}

export async function readLegacyStatus(redis: RedisClient, key: string): Promise<{ accountId: string; version: number; json: string } | undefined> {
  const [accountId, version, json] = await redis.hmget(key, 'a', 'v', 'd');
  if (accountId == null || version == null || json == null) return undefined;
  return { accountId, version: Number(version), json };
}

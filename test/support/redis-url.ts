import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Shards } from '../../shared/shards.js';

/**
 * The test run's Redis, started by scripts/test.sh (REDIS_URL); every test gets its own key prefix.
 * With REDIS_CLUSTER=true (scripts/test-integration-cluster.sh) it is a Redis Cluster and REDIS_URL
 * holds its seed nodes, comma-separated, as the relay itself takes them.
 */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_REDIS_CLUSTER = process.env.REDIS_CLUSTER === 'true';

/** The relay's Redis settings for the test Redis: on a cluster, its seed nodes and three queue shards (one a master). */
export const TEST_REDIS_ENV: Record<string, string> = TEST_REDIS_CLUSTER ? { REDIS_URL: TEST_REDIS_URL, REDIS_CLUSTER: 'true', QUEUE_SHARDS: '3' } : { REDIS_URL: TEST_REDIS_URL };

/** A client of the test Redis for a test's own reads and writes: a Cluster client when the run is on a cluster. */
export function testRedis(options: RedisOptions = {}): Redis | Cluster {
  if (!TEST_REDIS_CLUSTER) return new Redis(TEST_REDIS_URL, options);
  const seeds = TEST_REDIS_URL.split(',').map((seed) => {
    const url = new URL(seed);
    return { host: url.hostname, port: Number(url.port || 6379) };
  });
  return new Cluster(seeds, { redisOptions: options, ...(options.enableOfflineQueue === undefined ? {} : { enableOfflineQueue: options.enableOfflineQueue }) });
}

/** KEYS on every master (a Cluster client would ask one node only): for tests that look for what a relay stored. */
export async function keysEverywhere(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  return (await Promise.all(nodes.map((node) => node.keys(pattern)))).flat();
}

/** The key layout a relay on the test Redis uses for `prefix`: hash-tagged on a cluster, so a test's own stores run their scripts in one slot. */
export function testShards(prefix: string, count = 1): Shards {
  return new Shards(prefix, count, TEST_REDIS_CLUSTER);
}

export function freshPrefix(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Redis connections by role (CONVENTIONS §8):
 * - `api`: fails fast while Redis is down so the API can answer `service_unavailable` instead of hanging;
 * - `worker`: waits out restarts (BullMQ workers require `maxRetriesPerRequest: null`);
 * - `subscriber`: a dedicated connection for pub/sub, resubscribing after reconnects.
 * Only the web's status reads pass `enableAutoPipelining` (many concurrent single GETs: one write
 * per batch cuts Redis CPU per read to a quarter). Nothing on a call's path does: ioredis runs one
 * auto-pipeline at a time per connection, so a command issued while one is in flight waits for all
 * of its replies, and a call crosses five such waits (admission, queue add, claim, verdict). At 200
 * calls/s that put the relay's p90 at 28 ms and its p99 at 64–67 ms; without it 18–20 and 38–43 ms,
 * as the naive relay (BENCHMARKS.md). Without it ioredis still sends each command at once, without
 * waiting for earlier replies. BullMQ's own connections keep the defaults.
 */
export type RedisRole = 'api' | 'worker' | 'subscriber';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  // commandTimeout bounds every command, also when a proxy in front of Redis accepts the connection
  // and stalls it (auto-pipelined commands then neither run nor fail): the API answers in time.
  api: { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1500, commandTimeout: 1500 },
  worker: { maxRetriesPerRequest: null, enableOfflineQueue: true },
  subscriber: { maxRetriesPerRequest: null, enableOfflineQueue: true },
};

/** A single Redis or a Redis Cluster: the same commands, scripts and pub/sub for everything the relay does. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one URL, or with `redisCluster` the seed nodes' URLs separated by commas. */
export interface RedisTarget {
  redisUrl: string;
  redisCluster: boolean;
}

// Back off up to 2 s between attempts; never give up: the service recovers by itself.
const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 2000);

export function createRedis(target: RedisTarget, role: RedisRole, logger: Logger, extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions = { ...ROLE_OPTIONS[role], ...extra, connectionName: `c2c-${role}`, retryStrategy, lazyConnect: false };
  const client: RedisClient = target.redisCluster ? createCluster(target.redisUrl, options, role) : new Redis(target.redisUrl, options);
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    // A down Redis produces an error per attempt; one line a few seconds is enough.
    const now = Date.now();
    if (now - lastLogged > 5000) {
      lastLogged = now;
      logger.error({ role, err: { message: err.message } }, 'redis connection error');
    }
  });
  return client;
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    function onReady() {
      clearTimeout(timer);
      resolve();
    }
    client.once('ready', onReady);
  });
}

/**
 * A Cluster client with the role's behaviour: the offline queue is a Cluster-level option, retries
 * and timeouts are per node. A failover moves slots: MOVED/ASK redirections are followed; while a
 * slot has no master the API gives up within a few hundred ms (it answers service_unavailable) and a
 * worker keeps trying for half a minute (it waits the failover out). No auto-pipelining on a Cluster:
 * ioredis groups auto-pipelined commands by the slot of their first argument, which for scripts with
 * a variable number of keys and for XGROUP is not a key, and sends them to the wrong node.
 */
function createCluster(seeds: string, options: RedisOptions, role: RedisRole): Cluster {
  const { enableOfflineQueue, enableAutoPipelining: _notOnACluster, ...perNode } = options as RedisOptions & { enableAutoPipelining?: boolean };
  // The API gives up quickly while a slot has no master: CLUSTERDOWN is not retried (0), and a
  // command is retried at most 3 times in all (MOVED to the dead master, its closed connection,
  // again 100 ms later). With 5 and CLUSTERDOWN retried, ioredis held such a command up to a
  // second, so a request sent during the switch could be admitted once the replica took over (and
  // answered after its whole wait), and each retry refreshed the slot map and reopened a connection
  // to the dead node. Closed connections are still retried: a node connection still being opened
  // answers the same, e.g. to BullMQ's one INFO at start-up, whose failure would disable its queue.
  const patience = role === 'api' ? { maxRedirections: 3, retryDelayOnClusterDown: 0, retryDelayOnFailover: 100, retryDelayOnTryAgain: 100 } : { maxRedirections: 150, retryDelayOnClusterDown: 200, retryDelayOnFailover: 200, retryDelayOnTryAgain: 200 };
  const nodes = seeds.split(',').map((seed) => {
    const url = new URL(seed);
    return { host: url.hostname, port: Number(url.port || 6379) };
  });
  const first = new URL(seeds.split(',')[0] ?? '');
  return new Cluster(nodes, {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    clusterRetryStrategy: retryStrategy,
    ...patience,
    redisOptions: { ...perNode, ...(first.password ? { password: decodeURIComponent(first.password) } : {}), ...(first.username ? { username: decodeURIComponent(first.username) } : {}) },
  });
}

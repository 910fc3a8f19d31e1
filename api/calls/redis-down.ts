/** ioredis and BullMQ errors raised while Redis is unreachable: the answer is `service_unavailable`. */
export function isRedisDown(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /enableOfflineQueue|Stream isn't writeable|Connection is closed|ECONNREFUSED|max retries|MaxRetriesPerRequest|ETIMEDOUT|connect ECONN|Command timed out|Command aborted|Too many Cluster redirections|CLUSTERDOWN|TRYAGAIN|Failed to refresh slots cache|None of startup nodes is available/i.test(message);
}

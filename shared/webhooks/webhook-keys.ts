/**
 * The Redis key layout of webhooks, in one place: the status store reads the first two on its hot
 * path, the webhook store and delivery log own the rest. Every key starts with the relay's prefix,
 * so with `REDIS_PREFIX={c2c}` they share the status documents' Cluster slot (the status update
 * script touches the flag and the stream next to the document).
 */

/** Exists while the account has at least one subscription: the status update script checks it. */
export function webhookFlagKey(prefix: string, accountId: string): string {
  return `${prefix}:acct:${accountId}:wh-on`;
}

/** Status changes that have someone to tell, written by the status update script, read by the fan-out. */
export function changeStreamKey(prefix: string): string {
  return `${prefix}:wh:changes`;
}

/** The account's subscriptions, callback hosts and sealed secrets (one JSON value). */
export function webhookConfigKey(prefix: string, accountId: string): string {
  return `${prefix}:acct:${accountId}:webhooks`;
}

/** The account's recent delivery ids, scored by creation time. */
export function deliveryIndexKey(prefix: string, accountId: string): string {
  return `${prefix}:acct:${accountId}:wh-deliveries`;
}

/** One delivery's record. */
export function deliveryKey(prefix: string, deliveryId: string): string {
  return `${prefix}:whd:${deliveryId}`;
}

/**
 * How many unread changes the stream keeps. The fan-out deletes what it has read, so the stream is
 * near empty; the cap only bounds memory (about 20 MB) while no worker reads it, and drops the oldest.
 */
export const CHANGE_STREAM_MAX_LEN = 100_000;

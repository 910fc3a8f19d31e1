import type { RedisClient } from '../redis.js';
import { Shards } from '../shards.js';
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { open, seal } from '../security/secret-box.js';
import { randomId } from '../security/tokens.js';
import { webhookConfigKey, webhookFlagKey } from './webhook-keys.js';
import { parseCallbackHosts, parseSubscriptions } from './webhook-settings.js';

export interface StoredSubscription {
  id: string;
  url: string;
  events: string[];
  /** The signing secret, encrypted under the master key like the PBX secrets. */
  sealed: string;
  /** Its last characters, enough to tell secrets apart, never enough to use one. */
  hint: string;
  created_at: string;
}

/** Where `status_callback` URLs may point, and the secret that signs what is sent to them. */
export interface StoredCallback {
  hosts: string[];
  sealed: string;
  hint: string;
  updated_at: string;
}

export interface WebhookConfig {
  subscriptions: StoredSubscription[];
  callback?: StoredCallback;
}

export interface SubscriptionView {
  id: string;
  url: string;
  events: string[];
  secret_hint: string;
  created_at: string;
  /** Only in the answer that generated it: never shown again. */
  secret?: string;
}

export interface CallbackView {
  callback_hosts: string[];
  callback_secret_hint: string | null;
  /** Only in the answer that generated it. */
  callback_secret?: string;
}

/** A new signing secret: 256 random bits, with a prefix secret scanners recognise. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

const hintOf = (secret: string) => `…${secret.slice(-4)}`;

/**
 * The one module that knows how an account's webhook settings are stored: one hash per account
 * (subscriptions and callback settings in separate fields, so a PUT of one never undoes a PUT of
 * the other) and the flag the status update script checks (set while there are subscriptions).
 */
export class WebhookStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly masterKey: Buffer,
    private readonly shards: Shards = new Shards(prefix),
  ) {}

  async load(accountId: string): Promise<WebhookConfig> {
    const fields = await this.redis.hgetall(webhookConfigKey(this.prefix, accountId));
    const subscriptions = fields.subscriptions === undefined ? [] : (JSON.parse(fields.subscriptions) as StoredSubscription[]);
    return fields.callback === undefined ? { subscriptions } : { subscriptions, callback: JSON.parse(fields.callback) as StoredCallback };
  }

  /**
   * Replaces the account's subscriptions. An entry without `secret` keeps the secret its URL already
   * has (changing the events must not break a receiver); a new URL gets a generated one, returned
   * in this answer only.
   */
  async putSubscriptions(accountId: string, input: unknown, now = new Date()): Promise<SubscriptionView[]> {
    const wanted = parseSubscriptions(input);
    const { subscriptions: previous } = await this.load(accountId);
    const views: SubscriptionView[] = [];
    const stored = wanted.map((entry): StoredSubscription => {
      const url = new URL(entry.url).href;
      const before = previous.find((subscription) => subscription.url === url);
      const generated = entry.secret === undefined && before === undefined ? generateWebhookSecret() : undefined;
      const secret = entry.secret ?? generated;
      const subscription: StoredSubscription = {
        id: before?.id ?? randomId('sub'),
        url,
        events: entry.events,
        sealed: secret === undefined ? (before as StoredSubscription).sealed : seal(this.masterKey, secret),
        hint: secret === undefined ? (before as StoredSubscription).hint : hintOf(secret),
        created_at: before?.created_at ?? now.toISOString(),
      };
      views.push({ ...viewOf(subscription), ...(generated === undefined ? {} : { secret: generated }) });
      return subscription;
    });
    const key = webhookConfigKey(this.prefix, accountId);
    const flag = webhookFlagKey(this.shards.accountPrefix(accountId), accountId);
    // Two slots on a Cluster (the flag sits in the account's call shard): two writes, the list first.
    if (stored.length === 0) await Promise.all([this.redis.hdel(key, 'subscriptions'), this.redis.del(flag)]);
    else {
      await this.redis.hset(key, 'subscriptions', JSON.stringify(stored));
      await this.redis.set(flag, '1');
    }
    return views;
  }

  /** Sets where `status_callback` may point; the callback secret is kept, or generated (and shown) the first time. */
  async putCallbackHosts(accountId: string, input: unknown, now = new Date()): Promise<CallbackView> {
    const { hosts, secret } = parseCallbackHosts(input);
    const { callback: before } = await this.load(accountId);
    const generated = secret === undefined && before === undefined ? generateWebhookSecret() : undefined;
    const chosen = secret ?? generated;
    const callback: StoredCallback = {
      hosts,
      sealed: chosen === undefined ? (before as StoredCallback).sealed : seal(this.masterKey, chosen),
      hint: chosen === undefined ? (before as StoredCallback).hint : hintOf(chosen),
      updated_at: now.toISOString(),
    };
    await this.redis.hset(webhookConfigKey(this.prefix, accountId), 'callback', JSON.stringify(callback));
    return { callback_hosts: hosts, callback_secret_hint: callback.hint, ...(generated === undefined ? {} : { callback_secret: generated }) };
  }

  /** The settings as the admin API shows them: secrets masked. */
  async view(accountId: string): Promise<{ webhooks: SubscriptionView[] } & CallbackView> {
    const config = await this.load(accountId);
    return { webhooks: config.subscriptions.map(viewOf), callback_hosts: config.callback?.hosts ?? [], callback_secret_hint: config.callback?.hint ?? null };
  }

  /** Refuses a `status_callback` whose host the account does not list (checked before anything is stored). */
  async assertCallbackAllowed(accountId: string, url: string): Promise<void> {
    const json = await this.redis.hget(webhookConfigKey(this.prefix, accountId), 'callback');
    const hosts = json === null ? [] : (JSON.parse(json) as StoredCallback).hosts;
    const host = new URL(url).hostname;
    if (!isCallbackHostAllowed(hosts, url)) {
      throw new AppError(
        'invalid_request',
        hosts.length === 0 ? 'status_callback is not enabled for this account: it lists no callback_hosts.' : `status_callback host ${host} is not one of the account's callback_hosts.`,
      );
    }
  }

  /** Decrypts a stored secret (only the worker does, to sign). */
  secretOf(sealed: string): string {
    return open(this.masterKey, sealed) as string;
  }
}

/** True when the URL's host is listed (exactly: a listed host does not admit its subdomains). */
export function isCallbackHostAllowed(hosts: readonly string[], url: string): boolean {
  return hosts.includes(new URL(url).hostname);
}

function viewOf(subscription: StoredSubscription): SubscriptionView {
  return { id: subscription.id, url: subscription.url, events: subscription.events, secret_hint: subscription.hint, created_at: subscription.created_at };
}

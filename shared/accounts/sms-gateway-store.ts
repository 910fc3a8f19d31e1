import type { RedisClient } from '../redis.js';
import { open, seal } from '../security/secret-box.js';
import { maskSmsGatewaySettings, parseSmsGatewaySettings, type SmsGatewaySettings } from './sms-gateway-settings.js';

interface StoredGateway {
  masked: Record<string, unknown>;
  sealed: string;
  updated_at: string;
}

export interface SmsGatewayView {
  settings: Record<string, unknown>;
  updated_at: string;
}

/**
 * The one module that knows how an account's SMS gateway is stored: one key next to the account's,
 * holding the settings sealed under the master key (as PBX connections are) and their masked copy,
 * which is all the admin API ever shows.
 */
export class SmsGatewayStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly masterKey: Buffer,
  ) {}

  private key(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:sms-gateway`;
  }

  /** Validates, seals and stores the gateway (the caller checks that the account exists); returns the masked view. */
  async put(accountId: string, input: unknown, now = new Date()): Promise<SmsGatewayView> {
    const settings = parseSmsGatewaySettings(input);
    const stored: StoredGateway = { masked: maskSmsGatewaySettings(settings), sealed: seal(this.masterKey, settings), updated_at: now.toISOString() };
    await this.redis.set(this.key(accountId), JSON.stringify(stored));
    return { settings: stored.masked, updated_at: stored.updated_at };
  }

  async view(accountId: string): Promise<SmsGatewayView | undefined> {
    const json = await this.redis.get(this.key(accountId));
    if (json == null) return undefined;
    const stored = JSON.parse(json) as StoredGateway;
    return { settings: stored.masked, updated_at: stored.updated_at };
  }

  /** True when a gateway was removed. */
  async remove(accountId: string): Promise<boolean> {
    return (await this.redis.del(this.key(accountId))) > 0;
  }

  /** Whether the account has a gateway: what the API asks before accepting `no_answer_sms`. */
  async isConfigured(accountId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(accountId))) > 0;
  }

  /** The settings with their secrets, for the worker that sends a message. */
  async load(accountId: string): Promise<SmsGatewaySettings | undefined> {
    const json = await this.redis.get(this.key(accountId));
    if (json == null) return undefined;
    return open(this.masterKey, (JSON.parse(json) as StoredGateway).sealed) as SmsGatewaySettings;
  }
}

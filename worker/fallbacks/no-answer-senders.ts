import type { Logger } from 'pino';
import type { AccountStore } from '../../shared/accounts/account-store.js';
import { SmsGatewayStore } from '../../shared/accounts/sms-gateway-store.js';
import type { Config } from '../../shared/config.js';
import type { RedisClient } from '../../shared/redis.js';
import type { Shards } from '../../shared/shards.js';
import { DailyCaps } from './daily-caps.js';
import { createMailer } from './mailer.js';
import type { EmailFallbackDeps } from './no-answer-email.js';
import type { SmsFallbackDeps } from './no-answer-sms.js';
import { SmsGatewayClient } from './sms-gateway-client.js';

export type NoAnswerFallbackDeps = EmailFallbackDeps & SmsFallbackDeps;

export interface NoAnswerSenders {
  /** What sendNoAnswerEmail and sendNoAnswerSms take. */
  deps: NoAnswerFallbackDeps;
  /** Closes the SMTP pool and the gateway connections (after the jobs that use them have finished). */
  close(): void;
}

/** The worker's no-answer senders, made once by its composition root: the SMTP pool (if SMTP_URL is set) and the gateway client. */
export function createNoAnswerSenders(
  config: Pick<Config, 'smtp' | 'smtpFrom' | 'allowPrivatePbxAddresses' | 'redisPrefix' | 'masterKey'>,
  parts: { redis: RedisClient; shards: Shards; accounts: AccountStore; logger: Logger },
): NoAnswerSenders {
  const mailer = config.smtp === undefined ? undefined : createMailer(config.smtp);
  // SMS gateways are customers' HTTP endpoints, under the same SSRF rule as `other` PBXes.
  const gatewayClient = new SmsGatewayClient({ allowPrivateAddresses: config.allowPrivatePbxAddresses });
  return {
    deps: {
      mailer,
      defaultFrom: config.smtpFrom,
      gateways: new SmsGatewayStore(parts.redis, config.redisPrefix, config.masterKey),
      gatewayClient,
      accounts: parts.accounts,
      caps: new DailyCaps(parts.redis, parts.shards),
      logger: parts.logger,
      now: () => new Date(),
    },
    close() {
      mailer?.close();
      gatewayClient.close();
    },
  };
}

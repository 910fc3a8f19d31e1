/** The webhook settings of the environment: defaults, bounds, and a switch of their own beside the PBX one. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ConfigError, parseConfig } from '../../shared/config.js';

const key = randomBytes(32).toString('base64');

describe('webhook configuration', () => {
  it('when nothing is set, then deliveries are guarded, time out after 10 s and retry from 10 s', () => {
    const config = parseConfig({ C2C_MASTER_KEY: key, ALLOW_PRIVATE_PBX_ADDRESSES: 'true' });
    expect(config).to.deep.include({ allowPrivateWebhookAddresses: false, webhookTimeoutMs: 10_000, webhookRetryBaseMs: 10_000 });
  });

  it('when the variables are set, then they are read; out of range, each is named', () => {
    expect(parseConfig({ C2C_MASTER_KEY: key, ALLOW_PRIVATE_WEBHOOK_ADDRESSES: 'true', WEBHOOK_TIMEOUT_MS: '2500', WEBHOOK_RETRY_BASE_MS: '50' })).to.deep.include({ allowPrivateWebhookAddresses: true, webhookTimeoutMs: 2500, webhookRetryBaseMs: 50 });
    try {
      parseConfig({ C2C_MASTER_KEY: key, WEBHOOK_TIMEOUT_MS: '0', WEBHOOK_RETRY_BASE_MS: 'soon' });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).message).to.contain('WEBHOOK_TIMEOUT_MS').and.contain('WEBHOOK_RETRY_BASE_MS');
    }
  });
});

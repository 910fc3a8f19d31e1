import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../shared/config.js';

const key = Buffer.alloc(32, 7).toString('base64');

describe('parseConfig', () => {
  it('when only the master key is set, then every default of SPEC §1 applies', () => {
    const config = parseConfig({ C2C_MASTER_KEY: key });
    expect(config.port).to.equal(8080);
    expect(config.publicBaseUrl).to.equal('http://localhost:8080');
    expect(config.statusTtlSeconds).to.equal(30 * 24 * 3600);
    expect(config.adminToken).to.equal(undefined);
    expect(config.httpsPort).to.equal(undefined);
    expect(config.masterKey.length).to.equal(32);
  });

  it('when values are given as strings, then they are converted to numbers and booleans', () => {
    const config = parseConfig({ C2C_MASTER_KEY: key, PORT: '9000', TRUST_PROXY: 'true', STATUS_TTL_SECONDS: '3600' });
    expect(config.port).to.equal(9000);
    expect(config.trustProxy).to.equal(true);
    expect(config.statusTtlSeconds).to.equal(3600);
    expect(config.publicBaseUrl).to.equal('http://localhost:9000');
  });

  it('when several variables are wrong, then one error names every one of them', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'eighty', REDIS_URL: 'http://x', HTTPS_PORT: '8443', ADMIN_TOKEN: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'REDIS_URL', 'ADMIN_TOKEN', 'C2C_MASTER_KEY', 'TLS_CERT_FILE']) expect(message).to.contain(name);
    expect(message, 'secrets are not echoed').to.not.contain('short');
  });

  it('when the master key has the wrong length, then it is refused', () => {
    expect(() => parseConfig({ C2C_MASTER_KEY: Buffer.alloc(16).toString('base64') + 'AAAAAAAAAAAAAAAAAAAAAA==' })).to.throw(ConfigError);
  });
});

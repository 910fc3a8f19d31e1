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
    const config = parseConfig({ C2C_MASTER_KEY: key, PORT: '9000', ALLOW_PRIVATE_PBX_ADDRESSES: 'true', STATUS_TTL_SECONDS: '3600' });
    expect(config.port).to.equal(9000);
    expect(config.allowPrivatePbxAddresses).to.equal(true);
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

  it('when TRUST_PROXY is true, or anything but named proxies, then it is refused with a message saying what to write instead', () => {
    for (const value of ['true', 'TRUE']) {
      expect(() => parseConfig({ C2C_MASTER_KEY: key, TRUST_PROXY: value }), value).to.throw(ConfigError, /TRUST_PROXY=true .*X-Forwarded-For.*hop count \(TRUST_PROXY=1.*TRUST_PROXY=loopback/);
    }
    for (const value of ['yes', '10.0.0.0/33', 'proxy.example.com', '1000']) {
      expect(() => parseConfig({ C2C_MASTER_KEY: key, TRUST_PROXY: value }), value).to.throw(ConfigError, /TRUST_PROXY (has|hop count)/);
    }
  });

  it('when TRUST_PROXY names the proxies by hop count, address, CIDR or Express keyword, then those are trusted, and unset or false trusts none', () => {
    expect(parseConfig({ C2C_MASTER_KEY: key }).trustProxy).to.equal(false);
    expect(parseConfig({ C2C_MASTER_KEY: key, TRUST_PROXY: 'false' }).trustProxy).to.equal(false);
    expect(parseConfig({ C2C_MASTER_KEY: key, TRUST_PROXY: '2' }).trustProxy).to.equal(2);
    expect(parseConfig({ C2C_MASTER_KEY: key, TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5,fd00::/8' }).trustProxy).to.deep.equal(['loopback', '10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
  });

  it('when the admin port is set, then it listens on loopback unless ADMIN_HOST says otherwise, and /metrics moves there only when asked', () => {
    const defaults = parseConfig({ C2C_MASTER_KEY: key, ADMIN_PORT: '9001' });
    expect(defaults).to.include({ adminHost: '127.0.0.1', metricsOnAdminPort: false });
    expect(parseConfig({ C2C_MASTER_KEY: key, ADMIN_PORT: '9001', ADMIN_HOST: '0.0.0.0', METRICS_ON_ADMIN_PORT: 'true' })).to.include({ adminHost: '0.0.0.0', metricsOnAdminPort: true });
    expect(() => parseConfig({ C2C_MASTER_KEY: key, METRICS_ON_ADMIN_PORT: 'true' })).to.throw(ConfigError, /METRICS_ON_ADMIN_PORT=true needs ADMIN_PORT/);
    expect(() => parseConfig({ C2C_MASTER_KEY: key, ADMIN_HOST: 'pbx admin' })).to.throw(ConfigError, /ADMIN_HOST/);
  });
});

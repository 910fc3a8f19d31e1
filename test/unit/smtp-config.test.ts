import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../shared/config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

function problemsOf(env: Record<string, string>): string {
  try {
    parseConfig({ C2C_MASTER_KEY: KEY, ...env });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('SMTP_URL and SMTP_FROM', () => {
  it('when they are not set, then there is no SMTP server and the sender is c2c-relay@localhost', () => {
    const config = parseConfig({ C2C_MASTER_KEY: KEY });
    expect(config.smtp).to.equal(undefined);
    expect(config.smtpFrom).to.equal('c2c-relay@localhost');
  });

  it('when SMTP_URL is smtp:// or smtps://, then host, port (587 / 465 by default), TLS and credentials are read', () => {
    expect(parseConfig({ C2C_MASTER_KEY: KEY, SMTP_URL: 'smtp://mail.example' }).smtp).to.deep.equal({ host: 'mail.example', port: 587, secure: false });
    expect(parseConfig({ C2C_MASTER_KEY: KEY, SMTP_URL: 'smtps://relay%40shop:p%3Ass@mail.example:2465/' }).smtp).to.deep.equal({
      host: 'mail.example',
      port: 2465,
      secure: true,
      username: 'relay@shop',
      password: 'p:ss',
    });
    expect(parseConfig({ C2C_MASTER_KEY: KEY, SMTP_URL: 'smtp://[::1]:25' }).smtp).to.deep.include({ host: '::1', port: 25 });
  });

  const bad: [string, RegExp][] = [
    ['http://u:hunter2-smtp@mail.example', /its scheme is http:/],
    ['smtp://u:hunter2-smtp@mail.example/relay?x=1', /path, query or fragment/],
    ['smtp://:hunter2-smtp@mail.example', /password without a user/],
    ['not a url hunter2-smtp', /not a URL; not shown/],
  ];
  for (const [url, message] of bad) {
    it(`when SMTP_URL is ${url.replace('hunter2-smtp', '…')}, then the configuration is refused, and the password is not in the message`, () => {
      const text = problemsOf({ SMTP_URL: url });
      expect(text).to.match(message).and.contain('SMTP_URL must be smtp://');
      expect(text).to.not.contain('hunter2-smtp');
    });
  }

  it('when SMTP_FROM is not one plain address, then the configuration is refused naming it', () => {
    expect(problemsOf({ SMTP_FROM: 'Relay <relay@shop.example>' })).to.match(/SMTP_FROM must be one plain email address/);
    expect(problemsOf({ SMTP_FROM: 'relay@shop.example\r\nBcc: x@y.example' })).to.match(/SMTP_FROM .*control character/);
    expect(parseConfig({ C2C_MASTER_KEY: KEY, SMTP_FROM: 'relay@mailhost' }).smtpFrom).to.equal('relay@mailhost');
  });
});

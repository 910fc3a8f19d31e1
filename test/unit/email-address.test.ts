import { expect } from 'chai';
import { DEFAULT_POLICY, parsePolicy } from '../../shared/accounts/policy.js';
import { AppError } from '../../shared/errors.js';
import { emailAddressProblem } from '../../shared/findme/email-address.js';

describe('email addresses written into headers', () => {
  const good = ['sales@test.com', 'leads@shop.example', 'first.last+tag@mail.shop.example', "o'brien@xn--bcher-kva.example", 'a_b-c@x-y.example', `${'a'.repeat(64)}@example.com`];
  for (const address of good) {
    it(`when the address is ${address}, then it is accepted`, () => {
      expect(emailAddressProblem(address)).to.equal(undefined);
    });
  }

  const bad: [string, unknown, RegExp][] = [
    ['a CR/LF followed by a header', 'a@example.com\r\nBcc: evil@attacker.example', /control character/],
    ['a lone LF', 'a@example.com\nX: y', /control character/],
    ['a comma list', 'a@example.com,evil@attacker.example', /list/],
    ['a semicolon list', 'a@example.com;evil@attacker.example', /list/],
    ['a display name', 'Shop <a@example.com>', /plain email address/],
    ['angle brackets only', '<a@example.com>', /plain email address/],
    ['a quoted local part', '"a b"@example.com', /plain email address/],
    ['a comment', 'a@example.com (boss)', /plain email address/],
    ['two @', 'a@b@example.com', /plain email address/],
    ['no @', 'example.com', /plain email address/],
    ['an empty local part', '@example.com', /plain email address/],
    ['a leading dot', '.a@example.com', /plain email address/],
    ['two dots', 'a..b@example.com', /plain email address/],
    ['a domain without a dot', 'root@localhost', /needs a dot/],
    ['an IP address', 'a@127.0.0.1', /not a host name/],
    ['an IP literal', 'a@[127.0.0.1]', /not a host name/],
    ['a label starting with a hyphen', 'a@-x.example', /not a host name/],
    ['non-ASCII', 'jörg@example.com', /ASCII/],
    ['more than 254 characters', `a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(70)}.com`, /at most 254/],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`, /plain email address/],
    ['not a string', 42, /plain email address/],
    ['empty', '', /plain email address/],
  ];
  for (const [what, value, message] of bad) {
    it(`when the address has ${what}, then it is refused with a message saying why`, () => {
      expect(emailAddressProblem(value)).to.match(message);
    });
  }

  it('when the operator\'s own sender has a one-label domain, then it may (a caller\'s recipient may not)', () => {
    expect(emailAddressProblem('c2c-relay@localhost', { singleLabelDomain: true })).to.equal(undefined);
    expect(emailAddressProblem('c2c-relay@localhost')).to.match(/needs a dot/);
  });

  describe('the policy\'s email_from, sms_from and daily caps', () => {
    it('when a policy is stored without them, then the defaults are 100 emails and 50 SMS a day and no sms_from', () => {
      expect(DEFAULT_POLICY).to.include({ daily_email_cap: 100, daily_sms_cap: 50 });
      expect(DEFAULT_POLICY.sms_from).to.deep.equal([]);
      expect(DEFAULT_POLICY).to.not.have.property('email_from');
    });

    it('when email_from is a plain address, then it is kept; null removes it again', () => {
      const set = parsePolicy({ email_from: 'leads@shop.example', sms_from: ['5557585902', '+15557585903'], daily_sms_cap: 10 }, DEFAULT_POLICY);
      expect(set).to.include({ email_from: 'leads@shop.example', daily_sms_cap: 10, daily_email_cap: 100 });
      expect(set.sms_from).to.deep.equal(['5557585902', '+15557585903']);
      expect(parsePolicy({ email_from: null }, set)).to.not.have.property('email_from');
    });

    it('when email_from carries a display name, a list or a header, then the policy is refused naming email_from', () => {
      for (const value of ['Shop <leads@shop.example>', 'a@shop.example, b@shop.example', 'a@shop.example\r\nBcc: x@y.example']) {
        expect(() => parsePolicy({ email_from: value }, DEFAULT_POLICY), value).to.throw(AppError, /email_from must be one plain email address/);
      }
    });

    it('when sms_from holds something that is not a number, or a cap is negative, then the policy is refused', () => {
      expect(() => parsePolicy({ sms_from: ['555-758-5902'] }, DEFAULT_POLICY)).to.throw(AppError, /sms_from/);
      expect(() => parsePolicy({ daily_email_cap: -1 }, DEFAULT_POLICY)).to.throw(AppError, /daily_email_cap/);
      expect(() => parsePolicy({ daily_sms_cap: 1.5 }, DEFAULT_POLICY)).to.throw(AppError, /daily_sms_cap/);
    });
  });
});

import { expect } from 'chai';
import { checkPattern, compilePolicy, DEFAULT_POLICY, parsePolicy, refusedNumber } from '../../shared/accounts/policy.js';
import { AppError } from '../../shared/errors.js';

describe('destination policy', () => {
  const defaults = compilePolicy(DEFAULT_POLICY);

  it('when the policy is the default, then national numbers pass and international or premium ones do not', () => {
    expect(refusedNumber(defaults, '1001', '5551234')).to.equal(undefined);
    expect(refusedNumber(defaults, '1001', '02071234567')).to.equal(undefined);
    for (const bad of ['+441234567890', '0044123456', '01144123456', '9005551234', '19005551234', '09061234567', '118118']) {
      expect(refusedNumber(defaults, '1001', bad), bad).to.equal(bad);
    }
  });

  it('when dial_first is longer than an extension, then it is checked like a destination', () => {
    expect(refusedNumber(defaults, '+15551234567', '1002')).to.equal('+15551234567');
    expect(refusedNumber(defaults, '5551234567', '1002')).to.equal(undefined);
  });

  it('when a policy is widened, then international numbers are allowed and deny still wins', () => {
    const policy = compilePolicy(parsePolicy({ allow: ['^\\+44'], deny: ['^\\+449'] }, DEFAULT_POLICY));
    expect(refusedNumber(policy, '1001', '+441234')).to.equal(undefined);
    expect(refusedNumber(policy, '1001', '+449123')).to.equal('+449123');
    expect(refusedNumber(policy, '1001', '+331234')).to.equal('+331234');
  });

  it('when a pattern does not compile or can backtrack catastrophically, then it is refused with a clear error', () => {
    expect(() => checkPattern('([0-9]')).to.throw(AppError, /not a valid regular expression/);
    for (const evil of ['^(a+)+$', '^([0-9]*)*$', '^(1|11)+$', '(\\d+)*x']) {
      expect(() => checkPattern(evil), evil).to.throw(AppError, /exponential/);
    }
    expect(() => checkPattern('^\\+?(44|33)[0-9]{6,12}$')).to.not.throw();
  });

  it('when a policy update has wrong types, then it is refused', () => {
    expect(() => parsePolicy({ rate_per_minute: 'many' }, DEFAULT_POLICY)).to.throw(AppError, /rate_per_minute/);
    expect(() => parsePolicy({ default_pbx: 'sip' }, DEFAULT_POLICY)).to.throw(AppError);
  });
});

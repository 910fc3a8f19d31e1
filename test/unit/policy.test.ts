import { expect } from 'chai';
import fc from 'fast-check';
import { compilePolicy, DEFAULT_POLICY, parsePolicy, refusedNumber, type Policy } from '../../shared/accounts/policy.js';
import { EMERGENCY_NUMBERS, SERVICE_CODES } from '../../shared/accounts/special-numbers.js';
import { AppError } from '../../shared/errors.js';

describe('destination policy', () => {
  const defaults = compilePolicy(DEFAULT_POLICY);
  const widened = (update: Partial<Policy>) => compilePolicy(parsePolicy(update, DEFAULT_POLICY));

  it('when the policy is the default, then national numbers pass and international or premium ones do not', () => {
    expect(refusedNumber(defaults, '1001', '5551234')).to.equal(undefined);
    expect(refusedNumber(defaults, '1001', '02071234567')).to.equal(undefined);
    expect(refusedNumber(defaults, '201', '1002')).to.equal(undefined);
    for (const bad of ['+441234567890', '0044123456', '01144123456', '9005551234', '19005551234', '09061234567', '118118']) {
      expect(refusedNumber(defaults, '1001', bad), bad).to.equal(bad);
    }
  });

  it('when dial_first is not an extension of the PBX, then the default refuses it, so two outside numbers are never bridged', () => {
    for (const first of ['5551234567', '5551234', '+15551234567', '02071234567', '9005551234', '9', '0101', '91001']) {
      expect(refusedNumber(defaults, first, '1002'), first).to.equal(first);
    }
  });

  it('when dial_first is a short directory, premium or emergency code, then the default refuses it although it is as short as an extension', () => {
    for (const first of ['118118', '11833', '112', '911', '999', '110', '119', '411', '15']) {
      expect(refusedNumber(defaults, first, '5551234'), first).to.equal(first);
    }
  });

  it('when a number is an emergency or service code, then it is refused on either leg unless the policy allows it', () => {
    for (const code of ['911', '112', '999', '000', '110', '119', '118', '111', '08', '17', '911#', '+112', '9911', '0112', '9999']) {
      expect(refusedNumber(defaults, '1001', code), code).to.equal(code);
    }
    for (const code of ['411', '211', '611', '9411']) expect(refusedNumber(defaults, '1001', code), code).to.equal(code);
    const emergency = widened({ allow_emergency: true, deny: [] });
    expect(refusedNumber(emergency, '1001', '911')).to.equal(undefined);
    expect(refusedNumber(emergency, '1001', '411')).to.equal('411');
    expect(refusedNumber(widened({ allow_service_codes: true }), '1001', '411')).to.equal(undefined);
  });

  it('when a number holds * or #, then it is a feature code and refused on either leg unless the policy allows feature codes', () => {
    for (const code of ['*72', '*725551234', '#31#5551234', '**21*5551234#', '*8']) {
      expect(refusedNumber(defaults, '1001', code), code).to.equal(code);
    }
    expect(refusedNumber(defaults, '*72', '5551234')).to.equal('*72');
    expect(refusedNumber(widened({ allow_feature_codes: true }), '1001', '*72')).to.equal(undefined);
  });

  it('when the connection has an outside-line prefix, then deny patterns and short codes apply behind it too', () => {
    for (const bad of ['9011441234567', '919005551234', '900441234567', '9118118', '9112', '9*72']) {
      expect(refusedNumber(defaults, '1001', bad, '9'), bad).to.equal(bad);
    }
    expect(refusedNumber(defaults, '1001', '95551234', '9')).to.equal(undefined);
    expect(refusedNumber(defaults, '1001', '8011441234567', '8')).to.equal('8011441234567');
    expect(refusedNumber(defaults, '1001', '8011441234567')).to.equal(undefined);
  });

  it('property: whatever outside-line digit, prefix or send key surrounds a short code or feature code, the default refuses it on both legs', () => {
    const code = fc.constantFrom(...EMERGENCY_NUMBERS, ...SERVICE_CODES);
    const decorated = fc.tuple(fc.constantFrom('', '0', '9', '+'), code, fc.constantFrom('', '#')).map(([before, c, after]) => `${before}${c}${after}`);
    const featureCode = fc.tuple(fc.stringMatching(/^[0-9]{0,6}$/), fc.constantFrom('*', '#'), fc.stringMatching(/^[0-9*#]{0,8}$/)).map(([a, mark, b]) => `${a}${mark}${b}`);
    const prefix = fc.constantFrom('', '9', '8', '0', '99');
    fc.assert(
      fc.property(fc.oneof(decorated, featureCode), prefix, (number, outside) => {
        const dialed = `${outside}${number}`;
        expect(refusedNumber(defaults, '1001', dialed, outside), `second ${dialed} behind ${outside}`).to.equal(dialed);
        expect(refusedNumber(defaults, dialed, '5551234', outside), `first ${dialed} behind ${outside}`).to.equal(dialed);
      }),
    );
  });

  it('when allow_first names outside numbers, then they may ring first and deny and short codes still apply to them', () => {
    const agents = widened({ allow_first: ['^[2-9][0-9]{9}$'] });
    expect(refusedNumber(agents, '5551234567', '5559876543')).to.equal(undefined);
    expect(refusedNumber(agents, '9005551234', '1002')).to.equal('9005551234');
    expect(refusedNumber(agents, '+15551234567', '1002')).to.equal('+15551234567');
  });

  it('when the extensions pattern is changed, then it decides what may ring first', () => {
    const sevenDigit = widened({ extensions: '^7[0-9]{6}$' });
    expect(refusedNumber(sevenDigit, '7001234', '5551234')).to.equal(undefined);
    expect(refusedNumber(sevenDigit, '1001', '5551234')).to.equal('1001');
  });

  it('when a policy is widened, then international numbers are allowed and deny still wins', () => {
    const policy = widened({ allow: ['^\\+44'], deny: ['^\\+449'] });
    expect(refusedNumber(policy, '1001', '+441234')).to.equal(undefined);
    expect(refusedNumber(policy, '1001', '+449123')).to.equal('+449123');
    expect(refusedNumber(policy, '1001', '+331234')).to.equal('+331234');
  });

  it('when a policy was stored before the new fields existed, then it gets their safe defaults', () => {
    const stored = { allow: ['^[0-9*#]{1,15}$'], deny: [], rate_per_minute: 60, max_concurrent: 10, extension_max_digits: 6 } as unknown as Policy;
    const policy = compilePolicy(stored);
    expect(refusedNumber(policy, '118118', '1002')).to.equal(undefined, 'deny was emptied by the operator');
    expect(refusedNumber(policy, '5551234', '1002')).to.equal('5551234');
    expect(refusedNumber(policy, '1001', '911')).to.equal('911');
    const updated = parsePolicy({ rate_per_minute: 5 }, stored);
    expect(updated).to.not.have.property('extension_max_digits');
    expect(updated).to.include({ rate_per_minute: 5, extensions: DEFAULT_POLICY.extensions, allow_emergency: false });
  });

  it('when a policy update has wrong types or the retired extension_max_digits, then it is refused saying what to write', () => {
    expect(() => parsePolicy({ rate_per_minute: 'many' }, DEFAULT_POLICY)).to.throw(AppError, /rate_per_minute/);
    expect(() => parsePolicy({ default_pbx: 'sip' }, DEFAULT_POLICY)).to.throw(AppError);
    expect(() => parsePolicy({ allow_emergency: 'yes' }, DEFAULT_POLICY)).to.throw(AppError, /allow_emergency/);
    expect(() => parsePolicy({ extension_max_digits: 4 }, DEFAULT_POLICY)).to.throw(AppError, /replaced by extensions/);
  });

  it('when a policy pattern can backtrack catastrophically, then the update is refused, in every pattern field', () => {
    for (const update of [{ allow: ['((\\d)+)+'] }, { deny: ['^(\\d+)*$'] }, { allow_first: ['^([0-9]*)*$'] }, { extensions: '\\d*\\d*' }]) {
      expect(() => parsePolicy(update, DEFAULT_POLICY), JSON.stringify(update)).to.throw(AppError, /exponential or polynomial/);
    }
  });

  it('when a stored policy holds a pattern the old check accepted but that backtracks catastrophically, then it refuses calls instead of stalling', () => {
    const stored = { ...DEFAULT_POLICY, deny: ['^((\\d)+)+$'] };
    expect(() => compilePolicy(stored)).to.throw(AppError, /set the policy again/).with.property('code', 'number_not_allowed');
  });
});

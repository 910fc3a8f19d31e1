import { expect } from 'chai';
import { checkPattern } from '../../shared/accounts/safe-pattern.js';
import { AppError } from '../../shared/errors.js';

describe('safe patterns', function () {
  // A hostile alternation is refused when its analysis runs out of time (1 s).
  this.timeout(20000);

  it('when a pattern does not compile, then it is refused saying so', () => {
    expect(() => checkPattern('([0-9]')).to.throw(AppError, /not a valid regular expression/);
  });

  it('when a pattern nests quantifiers, as ((\\d)+)+ does, then it is refused although the old hand-written check let it through, and the patterns operators write still pass', () => {
    expect(() => checkPattern('((\\d)+)+')).to.throw(AppError, /exponential or polynomial/).with.property('code', 'invalid_request');
    for (const evil of ['^((\\d)+)+$', '((\\d)+)+$', '^(a+)+$', '^([0-9]*)*$', '(\\d+)*x']) {
      expect(() => checkPattern(evil), evil).to.throw(AppError, /exponential or polynomial/);
    }
    for (const good of ['^[0-9*#]{1,15}$', '^\\+', '^1?9(00|76)', '^\\+?(44|33)[0-9]{6,12}$', '^\\+44[1-37][0-9]{8,9}$', '^[1-8][0-9]{1,5}$', '"status"\\s*:\\s*"ok"', '\\bqueued\\b', 'ok|success|queued']) {
      expect(checkPattern(good), good).to.be.instanceOf(RegExp);
    }
    expect(checkPattern('^\\+44').test('+441234')).to.equal(true);
  });

  it('when quantifiers overlap without nesting (polynomial time), or a repeated alternation overlaps as (1|11)+ does, then the pattern is refused', () => {
    for (const evil of ['^\\d*\\d*$', '\\d+\\d+x', '^[0-9]+[0-9]+$']) {
      expect(() => checkPattern(evil), evil).to.throw(AppError, /exponential or polynomial/);
    }
    expect(() => checkPattern('^(1|11)+$')).to.throw(AppError).with.property('code', 'invalid_request');
  });
});

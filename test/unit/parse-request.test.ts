import { expect } from 'chai';
import { parseClick2Call } from '../../api/click2call/parse-request.js';
import { AppError } from '../../shared/errors.js';

function failure(fields: Record<string, unknown>): AppError {
  try {
    parseClick2Call(fields);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected invalid_request');
}

describe('parseClick2Call', () => {
  it('when numbers are pasted with formatting, then spaces, dashes, dots and brackets are removed', () => {
    const request = parseClick2Call({ dial_first: '(555) 123-4567', dial_second: '+1 555.765.4321', timeout: '45' });
    expect(request.dialFirst).to.equal('5551234567');
    expect(request.dialSecond).to.equal('+15557654321');
    expect(request.dialAs).to.equal('5551234567');
    expect(request.options.timeout).to.equal(45);
    expect(request.pbx).to.equal(undefined);
  });

  it('when dail_as is given, then it is the dial_as alias, and dial_as wins when both are given', () => {
    expect(parseClick2Call({ dial_first: '1001', dial_second: '2', dail_as: '1005' }).dialAs).to.equal('1005');
    expect(parseClick2Call({ dial_first: '1001', dial_second: '2', dail_as: '1005', dial_as: '1006' }).dialAs).to.equal('1006');
  });

  it('when timeout is absent, then it is 30; pbx is case-insensitive', () => {
    const request = parseClick2Call({ dial_first: '1', dial_second: '2', pbx: 'Switchvox', wait: '0' });
    expect(request.options.timeout).to.equal(30);
    expect(request.pbx).to.equal('switchvox');
    expect(request.options.wait).to.equal(0);
  });

  it('when a number carries letters, CR/LF, @, ;, / or &, then the request is invalid', () => {
    for (const bad of ['100a', '100\r\n', '100\nAction: Ping', '1@ctx', '1;2', '1/2', '1&2', '1,2', '1++2', '', '123456789012345678901234567890123']) {
      const error = failure({ dial_first: '1001', dial_second: bad });
      expect(error.code, JSON.stringify(bad)).to.equal('invalid_request');
    }
  });

  it('when several fields are wrong, then one error names each of them', () => {
    const error = failure({ dial_first: 'abc', timeout: '121', pbx: 'sip' });
    expect(error.message).to.contain('dial_first must be a phone number');
    expect(error.message).to.contain('dial_second is required');
    expect(error.message).to.contain('timeout must be');
    expect(error.message).to.contain('pbx must be');
  });

  it('when timeout is 0 or not a whole number, then it is refused', () => {
    expect(failure({ dial_first: '1', dial_second: '2', timeout: '0' }).message).to.contain('timeout');
    expect(failure({ dial_first: '1', dial_second: '2', timeout: '1.5' }).message).to.contain('timeout');
    expect(failure({ dial_first: '1', dial_second: '2', wait: '131' }).message).to.contain('wait');
  });

  it('when a parameter repeats or comes as a JSON number, then the first value / its text is used', () => {
    const request = parseClick2Call({ dial_first: ['1001', '1002'], dial_second: 5551234, timeout: 20 });
    expect(request.dialFirst).to.equal('1001');
    expect(request.dialSecond).to.equal('5551234');
    expect(request.options.timeout).to.equal(20);
  });
});

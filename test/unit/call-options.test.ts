/** The one parser of call options (SPEC §8) every entry point shares, and what the answer waits for. */
import { expect } from 'chai';
import { parseClick2Call } from '../../api/click2call/parse-request.js';
import { defaultWait, settlesFor } from '../../api/call-options/wait-for.js';
import { AppError } from '../../shared/errors.js';
import type { CallState } from '../../shared/status/status-document.js';

const base = { dial_first: '1001', dial_second: '5550100' };

function problemOf(fields: Record<string, unknown>): string {
  try {
    parseClick2Call({ ...base, ...fields });
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('invalid_request');
    return (err as AppError).message;
  }
  throw new Error(`expected invalid_request for ${JSON.stringify(fields)}`);
}

describe('call options', () => {
  it('when no option is given, then the defaults are DialogTech-like: 30 s, no recording, answer at the verdict', () => {
    expect(parseClick2Call(base).options).to.deep.equal({ timeout: 30, wait: undefined, waitFor: 'verdict', record: false, warning: 0 });
  });

  it('when every option is given, then each is read, numbers normalised and text kept byte for byte', () => {
    const page = 'https://shop.example/a,b?x="1"\\y(z)${EXTEN}';
    const { options } = parseClick2Call({ ...base, first_callerid: '(555) 000-1111', second_callerid: '+1 555 000 2222', page, ref: 'crm,42"', record: '1', warning: '3', wait_for: 'Connected', wait: '60', timeout: '20' });
    expect(options).to.deep.equal({ timeout: 20, wait: 60, waitFor: 'connected', firstCallerId: '5550001111', secondCallerId: '+15550002222', page, ref: 'crm,42"', record: true, warning: 3 });
  });

  it('when recording without a warning choice, then both parties hear it (warning 1)', () => {
    expect(parseClick2Call({ ...base, record: '1' }).options.warning).to.equal(1);
  });

  it('when page or ref is too long or carries control characters, then invalid_request names the field', () => {
    expect(problemOf({ page: 'x'.repeat(256) })).to.contain('page must be at most 255');
    expect(problemOf({ ref: 'x'.repeat(33) })).to.contain('ref must be at most 32');
    expect(problemOf({ page: 'a\r\nAction: Hangup' })).to.contain('page must be');
    expect(problemOf({ ref: 'a\u0000b' })).to.contain('ref must be');
    expect(parseClick2Call({ ...base, page: 'é'.repeat(255) }).options.page).to.have.length(255);
  });

  it('when record, warning, wait_for or a caller ID is malformed, then each is named', () => {
    expect(problemOf({ record: 'yes' })).to.contain('record must be 0 or 1');
    expect(problemOf({ record: '1', warning: '4' })).to.contain('warning must be 0');
    expect(problemOf({ warning: '2' })).to.contain('warning needs record=1');
    expect(problemOf({ wait_for: 'ringing' })).to.contain('wait_for must be one of');
    const message = problemOf({ first_callerid: '555;1', second_callerid: 'anonymous' });
    expect(message).to.contain('first_callerid must be a phone number').and.contain('second_callerid must be a phone number');
  });

  it('when the answer waits for more than the verdict, then it waits long enough for the legs to ring, at most 130 s', () => {
    const options = (fields: Record<string, unknown>) => parseClick2Call({ ...base, ...fields }).options;
    expect(defaultWait(options({}), 'asterisk', 10)).to.equal(10);
    expect(defaultWait(options({}), 'switchvox', 10)).to.equal(40);
    expect(defaultWait(options({ wait_for: 'answered' }), 'asterisk', 10)).to.equal(40);
    expect(defaultWait(options({ wait_for: 'connected', timeout: '25' }), 'asterisk', 10)).to.equal(60);
    expect(defaultWait(options({ wait_for: 'connected', timeout: '120' }), 'asterisk', 10)).to.equal(130);
    expect(defaultWait(options({ wait_for: 'connected', wait: '0' }), 'asterisk', 10)).to.equal(0);
  });

  it('when progress arrives, then each wait_for settles on its own states, on a failure, and on an unknown outcome', () => {
    const settles = (waitFor: 'verdict' | 'answered' | 'connected', state: CallState, pbx: 'asterisk' | 'other' = 'asterisk') =>
      settlesFor(waitFor, pbx)({ id: 'r', v: 2, state });
    expect(settles('verdict', 'accepted')).to.equal(true);
    expect(settles('answered', 'accepted')).to.equal(false);
    expect(settles('answered', 'first_answered')).to.equal(true);
    expect(settles('answered', 'busy')).to.equal(true);
    expect(settles('connected', 'first_answered')).to.equal(false);
    expect(settles('connected', 'connected')).to.equal(true);
    expect(settles('connected', 'no_answer')).to.equal(true);
    // A PBX without call progress: its verdict is all there will be.
    expect(settles('connected', 'accepted', 'other')).to.equal(true);
    expect(settlesFor('connected', 'asterisk')({ id: 'r', v: 2, state: 'dispatching', error: { code: 'pbx_timeout', message: 'lost' } })).to.equal(true);
    expect(settles('connected', 'dispatching')).to.equal(false);
  });
});

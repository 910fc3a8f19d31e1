import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import { encodeAction } from '../../worker/pbx/asterisk/ami-codec.js';
import {
  assertPlaceable,
  buildCallerId,
  buildOriginate,
  parseCallerId,
  sanitizeCallerName,
} from '../../worker/pbx/asterisk/originate-action.js';
import type { PlaceCall } from '../../worker/pbx/pbx-driver.js';

const call: PlaceCall = {
  requestId: '0b7e5a52-4a7a-4c55-9d1a-0f7d8a1e2b3c',
  dialFirst: '1001',
  dialSecond: '+15551234',
  dialAs: '1001',
  timeoutSeconds: 25,
};

const plan = {
  call,
  actionId: 'c2c-action',
  channelTemplate: 'Local/{dial_first}@originate-skipvm',
  context: 'from-internal',
  callerIdName: 'Alice Example',
  callerIdNumber: '1001',
  freepbx: true,
};

describe('ami originate action', () => {
  it('when a FreePBX call is built, then it has the §3.5 headers in order, Timeout in ms, a Dial of leg 2 and fixed variable names', () => {
    expect(buildOriginate(plan)).to.deep.equal([
      ['Action', 'Originate'],
      ['ActionID', 'c2c-action'],
      ['Channel', 'Local/1001@originate-skipvm'],
      ['Context', 'from-internal'],
      ['Exten', '+15551234'],
      ['Priority', '1'],
      ['Timeout', '25000'],
      ['CallerID', '"Alice Example" <1001>'],
      ['Application', 'Dial'],
      ['Data', 'Local/+15551234@from-internal,25'],
      ['Variable', `__C2C_ID=${call.requestId}`],
      ['Async', 'true'],
      ['ChannelId', `c2c-${call.requestId}-1`],
      ['OtherChannelId', `c2c-${call.requestId}-2`],
    ]);
  });

  it('when no call option is asked for, then the same Originate goes to FreePBX and plain Asterisk, and nothing is forced on leg 2', () => {
    const freepbx = buildOriginate(plan);
    expect(buildOriginate({ ...plan, freepbx: false })).to.deep.equal(freepbx);
    expect(freepbx.map(([name, value]) => `${name}=${value}`).join('\n')).to.not.match(/TRUNK|f\(|A\(|U\(/);
  });

  it('when the channel template names {context}, then the looked-up context is substituted', () => {
    const headers = buildOriginate({ ...plan, channelTemplate: 'Local/{dial_first}@{context}/n', context: 'internal' });
    expect(headers[2]).to.deep.equal(['Channel', 'Local/1001@internal/n']);
  });

  it('when the display name holds quotes, angle brackets, backslashes or controls, then they are removed', () => {
    expect(sanitizeCallerName('Eve "the" <admin>\\\r\n')).to.equal('Eve the admin');
    expect(buildCallerId('"><', '1001')).to.equal('<1001>');
    expect(sanitizeCallerName('x'.repeat(60))).to.have.length(40);
  });

  it('when the built action is encoded, then it passes the codec (no control characters anywhere)', () => {
    expect(() => encodeAction(buildOriginate({ ...plan, callerIdName: 'Zoë\u0007 Example' }))).to.not.throw();
  });

  it('when a PJSIP callerid option is parsed, then name and number are separated', () => {
    expect(parseCallerId('"Alice Example" <1001>')).to.deep.equal({ name: 'Alice Example', number: '1001' });
    expect(parseCallerId('Bob <+15550100>')).to.deep.equal({ name: 'Bob', number: '+15550100' });
    expect(parseCallerId('<1002>')).to.deep.equal({ number: '1002' });
    expect(parseCallerId('1003')).to.deep.equal({ number: '1003' });
    expect(parseCallerId('<unknown>')).to.deep.equal({});
  });

  for (const [field, value] of [
    ['dialFirst', '1001@evil'],
    ['dialSecond', '555,1234'],
    ['dialSecond', '5551234\r\nAction: Command'],
    ['dialAs', '1001)'],
    ['requestId', 'abc\ndef'],
    ['timeoutSeconds', 0],
    ['timeoutSeconds', 1.5],
  ] as const) {
    it(`when ${field} is ${JSON.stringify(value)}, then the call is refused as invalid_request`, () => {
      expect(() => assertPlaceable({ ...call, [field]: value }))
        .to.throw(AppError)
        .with.property('code', 'invalid_request');
    });
  }
});

/** SPEC §8 call options in the Asterisk Originate: caller IDs per leg, C2C_PAGE/C2C_REF, recording and its warning. */
import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import { encodeAction } from '../../worker/pbx/asterisk/ami-codec.js';
import { callVariables, escapeVariableValue, variableHeader } from '../../worker/pbx/asterisk/channel-variables.js';
import { dialData, warningPrompts } from '../../worker/pbx/asterisk/dial-data.js';
import { buildOriginate, leg2CallerId, type OriginatePlan } from '../../worker/pbx/asterisk/originate-action.js';
import { recordingPlan } from '../../worker/pbx/asterisk/recording.js';
import type { PlaceCall } from '../../worker/pbx/pbx-driver.js';
import { parseVariableHeader } from '../doubles/ami/app-args.js';
import { settingsFor } from '../doubles/ami/driver-fixture.js';

const HOSTILE_PAGE = 'https://shop.example/a,b?x="1"\\y(z)${EXTEN}';
const ID = '0b7e5a52-4a7a-4c55-9d1a-0f7d8a1e2b3c';

const call: PlaceCall = { requestId: ID, dialFirst: '1001', dialSecond: '5550100', dialAs: '1001', timeoutSeconds: 20 };
const plan: OriginatePlan = {
  call,
  actionId: 'c2c-action',
  channelTemplate: 'Local/{dial_first}@originate-skipvm',
  context: 'from-internal',
  callerIdName: 'Alice Example',
  callerIdNumber: '1001',
  freepbx: true,
};

const header = (headers: readonly (readonly [string, string])[], name: string) => headers.filter(([n]) => n === name).map(([, v]) => v);

describe('Asterisk call options in the Originate', () => {
  it('when a value is escaped for a Variable header, then Asterisk reads back exactly one pair with the value byte for byte', () => {
    for (const value of [HOSTILE_PAGE, '\\', '"', ',', '(', ')', '[,]', 'a\\,b', '""', ' lead and trail ', '=x=y', 'Zoë 😀', '']) {
      expect(parseVariableHeader(`__C2C_PAGE=${escapeVariableValue(value)}`), JSON.stringify(value)).to.deep.equal([['__C2C_PAGE', value]]);
    }
    expect(escapeVariableValue(HOSTILE_PAGE)).to.equal('https://shop.example/a\\,b?x=\\"1\\"\\\\y(z)${EXTEN}');
  });

  it('when page, ref and second_callerid are given, then the variables have fixed inherited names and FreePBX gets its trunk caller ID', () => {
    const asked = { ...call, page: 'p', ref: 'r', secondCallerId: '+15550001111' };
    expect(callVariables(asked, true)).to.deep.equal([
      ['Variable', `__C2C_ID=${ID}`],
      ['Variable', '__C2C_PAGE=p'],
      ['Variable', '__C2C_REF=r'],
      ['Variable', '__TRUNKCIDOVERRIDE=+15550001111'],
    ]);
    expect(callVariables(asked, false).map(([, v]) => v)).to.not.include('__TRUNKCIDOVERRIDE=+15550001111');
  });

  it('when a page cannot fit on one AMI line once encoded, then invalid_request names page before anything is sent', () => {
    const emoji = '😀'.repeat(255);
    expect(() => variableHeader('__C2C_PAGE', emoji, 'page')).to.throw(AppError).with.property('message').that.contains('page is too long');
    expect(() => variableHeader('__C2C_PAGE', 'é'.repeat(255), 'page')).to.not.throw();
  });

  it('when caller IDs are asked for, then leg 2 is forced only where its caller ID must differ from leg 1', () => {
    const cases: [boolean, string | undefined, string | undefined, string | undefined][] = [
      // freepbx, first, second → f()
      [true, undefined, undefined, undefined],
      [true, '5550100', undefined, '1001'],
      [true, undefined, '5559999', undefined],
      [true, '5550100', '5559999', '1001'],
      [false, undefined, undefined, undefined],
      [false, '5550100', undefined, '1001'],
      [false, undefined, '5559999', '5559999'],
      [false, '5550100', '5559999', '5559999'],
    ];
    for (const [freepbx, first, second, forced] of cases) {
      const asked = { ...call, ...(first ? { firstCallerId: first } : {}), ...(second ? { secondCallerId: second } : {}) };
      expect(leg2CallerId({ call: asked, callerIdNumber: '1001', freepbx }), `${freepbx} ${first} ${second}`).to.equal(forced);
    }
  });

  it('when the warning is 0 to 3, then Dial announces to nobody, both, the calling party (leg 1) or the called party (leg 2)', () => {
    expect(warningPrompts(0, 'notice')).to.equal(undefined);
    const data = (warning: 1 | 2 | 3) => dialData({ dialSecond: '5550100', context: 'ctx', timeoutSeconds: 9, announce: warningPrompts(warning, 'custom/notice') });
    expect(data(1)).to.equal('Local/5550100@ctx,9,A(custom/notice:custom/notice)');
    expect(data(2)).to.equal('Local/5550100@ctx,9,A(:custom/notice)');
    expect(data(3)).to.equal('Local/5550100@ctx,9,A(custom/notice)');
  });

  it('when a Dial part carries a character Dial or its options would read, then invalid_request', () => {
    for (const context of ['ctx,1', 'ctx)', 'a^b', 'x:y', 'a&b', 'q"']) {
      expect(() => dialData({ dialSecond: '1', context, timeoutSeconds: 1 }), context).to.throw(AppError).with.property('code', 'invalid_request');
    }
  });

  it('when a call asks for every option, then this is the Originate the relay sends', () => {
    const recording = recordingPlan(settingsFor(5038), ID);
    expect(recording.path).to.equal(`/var/spool/asterisk/monitor/c2c-${ID}.wav`);
    const everything: PlaceCall = { ...call, firstCallerId: '5550100', secondCallerId: '+15550001111', page: HOSTILE_PAGE, ref: 'crm-42', record: { warning: 1 } };
    const headers = buildOriginate({ ...plan, call: everything, recording });
    expect(headers).to.deep.equal([
      ['Action', 'Originate'],
      ['ActionID', 'c2c-action'],
      ['Channel', 'Local/1001@originate-skipvm'],
      ['Context', 'from-internal'],
      ['Exten', '5550100'],
      ['Priority', '1'],
      ['Timeout', '20000'],
      ['CallerID', '"Alice Example" <5550100>'],
      ['Application', 'Dial'],
      ['Data', `Local/5550100@from-internal,20,f(1001)A(conf-now-recording:conf-now-recording)U(c2c-relay-record^${ID}^wav)`],
      ['Variable', `__C2C_ID=${ID}`],
      ['Variable', '__C2C_PAGE=https://shop.example/a\\,b?x=\\"1\\"\\\\y(z)${EXTEN}'],
      ['Variable', '__C2C_REF=crm-42'],
      ['Variable', '__TRUNKCIDOVERRIDE=+15550001111'],
      ['Async', 'true'],
      ['ChannelId', `c2c-${ID}-1`],
      ['OtherChannelId', `c2c-${ID}-2`],
    ]);
    expect(() => encodeAction(headers)).to.not.throw();
    const plain = buildOriginate({ ...plan, call: everything, recording, freepbx: false });
    expect(header(plain, 'Data')[0]).to.contain(',f(+15550001111)A(');
    expect(header(plain, 'Variable')).to.have.length(3);
  });

  it('when recording settings are given, then the path, the subroutine and the prompt follow them', () => {
    const settings = settingsFor(5038, { recording_dir: '/srv/rec/', recording_format: 'gsm', recording_context: 'rec-sub', recording_warning: 'custom/rec' });
    expect(recordingPlan(settings, ID)).to.deep.equal({
      path: `/srv/rec/c2c-${ID}.gsm`,
      subroutine: { context: 'rec-sub', args: [ID, 'gsm'] },
      warningPrompt: 'custom/rec',
    });
    const headers = buildOriginate({ ...plan, call: { ...call, record: { warning: 0 } }, recording: recordingPlan(settings, ID) });
    expect(header(headers, 'Data')).to.deep.equal([`Local/5550100@from-internal,20,U(rec-sub^${ID}^gsm)`]);
  });
});

/** SPEC §10 endpoint settings in the Asterisk Originate, and what saving refuses because that encoding cannot carry it. */
import { expect } from 'chai';
import type { EndpointCallSettings } from '../../shared/call-job.js';
import { asteriskRingback, parseEndpoint } from '../../shared/endpoints/endpoint-settings.js';
import { AppError } from '../../shared/errors.js';
import { encodeAction } from '../../worker/pbx/asterisk/ami-codec.js';
import { dialData } from '../../worker/pbx/asterisk/dial-data.js';
import { endpointOriginate } from '../../worker/pbx/asterisk/endpoint-call-options.js';
import { buildOriginate, type OriginatePlan } from '../../worker/pbx/asterisk/originate-action.js';
import { parseAppOptions } from '../doubles/ami/app-args.js';
import { originateVariables } from '../doubles/ami/channel-vars.js';
import { parseDialApp } from '../doubles/ami/dial-app.js';

/** Everything Asterisk's parsers give a meaning to, plus text that must never be evaluated. */
const HOSTILE = 'a,b "q" \\ ^x^ ${EXTEN} $[1+1] (y) ) =z [w] Zoë 😀';
const ID = '0b7e5a52-4a7a-4c55-9d1a-0f7d8a1e2b3c';

const plan: OriginatePlan = {
  call: { requestId: ID, dialFirst: '1001', dialSecond: '5550100', dialAs: '1001', timeoutSeconds: 20 },
  actionId: 'c2c-action',
  channelTemplate: 'Local/{dial_first}@originate-skipvm',
  context: 'from-internal',
  callerIdName: 'Alice Example',
  callerIdNumber: '1001',
  freepbx: true,
};

const EVERYTHING: EndpointCallSettings = {
  application_vars: { campaign: 'spring', 'lead-source': HOSTILE },
  sip_headers: { 'X-Campaign': 'spring', 'X-Page': HOSTILE },
  music_on_hold: 'acme-hold',
  ringback: 'tone/ring',
};

/** What Asterisk sets from the Originate's Variable headers: it parses the UTF-8 bytes; the view decodes them back. */
function asteriskReads(headers: readonly (readonly [string, string])[]) {
  const bytes = headers.filter(([name]) => name === 'Variable').map(([, value]) => Buffer.from(value, 'utf8').toString('latin1'));
  const { vars, functionWrites } = originateVariables(bytes);
  return { vars: Object.fromEntries(vars.entries().map(([name, value]) => [name, Buffer.from(value, 'latin1').toString('utf8')])), functionWrites };
}

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('accepted');
}

describe('Asterisk endpoint settings in the Originate', () => {
  it('when an endpoint has every field, then the Originate carries fixed variable names, the pre-dial handler and the ringback option', () => {
    const headers = buildOriginate({ ...plan, call: { ...plan.call, endpoint: EVERYTHING } });
    expect(headers.find(([name]) => name === 'Data')?.[1]).to.equal('Local/5550100@from-internal,20,b(c2c-relay-sip-headers^s^1)r(ring)');
    expect(headers.filter(([name]) => name === 'Variable').map(([, value]) => value.slice(0, value.indexOf('=')))).to.deep.equal([
      '__C2C_ID',
      '__C2C_APP_campaign',
      '__C2C_APP_lead_source',
      '__C2C_HDR_1_NAME',
      '__C2C_HDR_1_VALUE',
      '__C2C_HDR_2_NAME',
      '__C2C_HDR_2_VALUE',
      '__C2C_HDR_COUNT',
      'CHANNEL(musicclass)',
      '__MOHCLASS',
    ]);
    expect(() => encodeAction(headers)).to.not.throw();
  });

  it('when values hold commas, quotes, ^, ${…} and parentheses, then Asterisk reads each back byte for byte and sets nothing else', () => {
    const { variables } = endpointOriginate(EVERYTHING, false);
    const { vars, functionWrites } = asteriskReads(variables);
    expect(vars).to.deep.equal({
      __C2C_APP_campaign: 'spring',
      __C2C_APP_lead_source: HOSTILE,
      __C2C_HDR_1_NAME: 'X-Campaign',
      __C2C_HDR_1_VALUE: 'spring',
      __C2C_HDR_2_NAME: 'X-Page',
      __C2C_HDR_2_VALUE: HOSTILE,
      __C2C_HDR_COUNT: '2',
    });
    // The one function write is the relay's own, with a validated class; plain Asterisk has no MOHCLASS.
    expect(functionWrites).to.deep.equal([['CHANNEL(musicclass)', 'acme-hold']]);
  });

  it('when there are no SIP headers, then there is no pre-dial handler; a class as ringback is music, a tone is r()', () => {
    expect(endpointOriginate({ application_vars: { a: '1' } }, true).preDialHandler).to.equal(undefined);
    const data = (ringback: string) => dialData({ dialSecond: '5550100', context: 'ctx', timeoutSeconds: 9, ringback: asteriskRingback(ringback)! });
    expect(data('tone/dialrecall')).to.equal('Local/5550100@ctx,9,r(dialrecall)');
    expect(data('acme-ringing')).to.equal('Local/5550100@ctx,9,m(acme-ringing)');
    // The double reads the options as app_dial does.
    expect(parseDialApp(data('acme-ringing')).whileRinging).to.deep.equal({ music: 'acme-ringing' });
    expect(parseAppOptions('b(c2c-relay-sip-headers^s^1)r(ring)')).to.deep.equal(new Map([['b', 'c2c-relay-sip-headers^s^1'], ['r', 'ring']]));
  });

  it('when a job carries what saving refuses (CR/LF, a bad name, a blacklisted ringback, too long a value), then the driver refuses it before any byte', () => {
    const cases: EndpointCallSettings[] = [
      { sip_headers: { 'X-A': 'ok\r\nAction: Command' } },
      { application_vars: { a: 'x\ny' } },
      { sip_headers: { 'X-A)': 'v' } },
      { application_vars: { 'a=b': 'v' } },
      { application_vars: { 'a-b': '1', a_b: '2' } },
      { music_on_hold: 'jazz,classic' },
      { ringback: 'FILE' },
      { ringback: 'tone/a/b' },
      { application_vars: { a: '😀'.repeat(251) } },
    ];
    for (const endpoint of cases) {
      const error = refusal(() => buildOriginate({ ...plan, call: { ...plan.call, endpoint } }));
      expect(error.code, JSON.stringify(endpoint)).to.equal('invalid_request');
    }
  });

});

describe('Asterisk endpoint settings refused when saved', () => {
  const account = { pbxKinds: ['asterisk' as const], defaultPbx: 'asterisk' as const, facts: undefined };
  const save = (extra: Record<string, unknown>) => parseEndpoint({ name: 'Sales', extension: '1001', ...extra }, account);

  it('when the fields fit the Asterisk mapping, then the endpoint is saved as given', () => {
    const saved = save({ custom_application_vars: { 'lead-source': HOSTILE }, custom_sip_headers: { out: { 'X-Page': HOSTILE } }, music_on_hold: { media_id: 'acme-hold' }, ringback: 'tone/ring' });
    expect(saved).to.deep.include({ ringback: 'tone/ring', music_on_hold: { media_id: 'acme-hold' } });
  });

  const refused: [string, Record<string, unknown>, string][] = [
    ['two names that become one variable', { custom_application_vars: { 'lead-source': 'a', lead_source: 'b' } }, 'would all be the channel variable C2C_APP_lead_source'],
    ['a ringback that is neither tone/<name> nor a class', { ringback: 'tone/a/b' }, 'ringback must be "tone/<name>"'],
    ['a ringback holding a blacklisted word', { ringback: 'acme-FILE-ring' }, 'ringback must not contain "FILE"'],
    ['SIP headers when the contact rings first', { dial_first: 'contact', custom_sip_headers: { out: { 'X-A': '1' } } }, 'which is then the extension, not the contact'],
    ['a value too long for an AMI line in UTF-8', { custom_application_vars: { a: '😀'.repeat(251) } }, 'custom_application_vars.a is too long for an AMI line'],
    ['a header value too long for an AMI line in UTF-8', { custom_sip_headers: { out: { 'X-A': '😀'.repeat(249) } } }, 'custom_sip_headers.out.X-A is too long for an AMI line'],
  ];
  for (const [name, extra, words] of refused) {
    it(`when an endpoint has ${name}, then saving it is unsupported_option naming why`, () => {
      const error = refusal(() => save(extra));
      expect(error.code).to.equal('unsupported_option');
      expect(error.message).to.contain(words);
    });
  }

  it('when a value is at the limit of an AMI line, then saving and the driver agree on it', () => {
    // "Variable: __C2C_APP_a=" and CRLF leave 1000 of the line's 1024 bytes: 250 four-byte characters.
    const fits = '😀'.repeat(250);
    expect(() => save({ custom_application_vars: { a: fits } })).to.not.throw();
    expect(() => buildOriginate({ ...plan, call: { ...plan.call, endpoint: { application_vars: { a: fits } } } })).to.not.throw();
    const over = '😀'.repeat(251);
    expect(refusal(() => save({ custom_application_vars: { a: over } })).code).to.equal('unsupported_option');
    expect(refusal(() => buildOriginate({ ...plan, call: { ...plan.call, endpoint: { application_vars: { a: over } } } })).code).to.equal('invalid_request');
  });
});

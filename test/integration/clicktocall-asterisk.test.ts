/**
 * SPEC §10 end to end on Asterisk: a saved endpoint's channel variables, SIP headers, music on hold
 * and ringback reach the right leg of the call its connect places (AMI double), and what the
 * Asterisk mapping cannot carry is refused when the endpoint is saved.
 */
import { expect } from 'chai';
import { startAmiDouble, type AmiDouble, type ReceivedCall } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions, SIP_HEADER_SUBROUTINE } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { provision, startRelay, statusOf, type Relay } from '../support/relay.js';

const HOSTILE = 'a,b "q" \\ ^x^ ${EXTEN} $[1+1] (y) ) =z [w] Zoë 😀';

describe('saved click-to-call endpoints end to end with Asterisk (AMI double)', function () {
  this.timeout(20000);
  let relay: Relay;
  let ami: AmiDouble;
  let accountId: string;
  let apiKey: string;

  before(async () => {
    relay = await startRelay();
    const options = sandboxAmiOptions();
    ami = await startAmiDouble({ ...options, leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 300 } }, timing: { ringMs: 20, holdMs: 300 } });
    ({ accountId, apiKey } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }, { allow_first: ['^555[0-9]{4}$'] }));
  });
  after(async () => {
    await relay.stop();
    await ami.close();
  });

  const base = () => `/admin/v1/accounts/${accountId}/clicktocall`;
  const create = async (data: Record<string, unknown>) => relay.admin('PUT', base(), { data });
  const connect = async (id: string, contact: string) => {
    const response = await fetch(`${relay.base}/v1/clicktocall/${id}/connect?${new URLSearchParams({ contact })}`, { headers: { 'x-api-key': apiKey } });
    return ((await response.json()) as { response: any }).response;
  };
  const callOf = (requestId: string) =>
    eventually(() => {
      const found = ami.calls().find((c) => c.leg1.variables.C2C_ID === requestId);
      if (!found?.leg2) throw new Error('leg 2 not dialed yet');
      return found as ReceivedCall & { leg2: NonNullable<ReceivedCall['leg2']> };
    });

  const FIELDS = {
    custom_application_vars: { campaign: 'spring', 'lead-source': HOSTILE },
    custom_sip_headers: { out: { 'X-Campaign': 'spring', 'X-Page': HOSTILE } },
    music_on_hold: { media_id: 'acme-hold' },
    ringback: 'tone/ring',
  };

  it('when a saved endpoint with every field connects, then its variables reach both legs byte for byte and nothing else, its headers leg 2\'s INVITE, its class both legs and its ringback leg 1', async () => {
    const created = await create({ name: 'Everything', extension: '1001', ...FIELDS });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const answer = await connect(created.body.data.id as string, '5550100');
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    const id = answer.request_id as string;
    const call = await callOf(id);
    for (const leg of [call.leg1, call.leg2]) {
      expect(leg.variables).to.deep.equal({
        C2C_ID: id, C2C_APP_campaign: 'spring', C2C_APP_lead_source: HOSTILE,
        C2C_HDR_1_NAME: 'X-Campaign', C2C_HDR_1_VALUE: 'spring', C2C_HDR_2_NAME: 'X-Page', C2C_HDR_2_VALUE: HOSTILE, C2C_HDR_COUNT: '2',
        MOHCLASS: 'acme-hold',
      });
      expect(leg.musicClass).to.equal('acme-hold');
    }
    expect(Buffer.from(call.leg2.sipHeaders[1]?.[1] ?? '')).to.deep.equal(Buffer.from(HOSTILE));
    expect(call.leg2.sipHeaders).to.deep.equal([['X-Campaign', 'spring'], ['X-Page', HOSTILE]]);
    expect(call.leg2.preDial).to.deep.include({ context: SIP_HEADER_SUBROUTINE, ran: true });
    expect(call.leg2.exten).to.equal('5550100');
    expect(call.leg1.sipHeaders).to.deep.equal([]);
    expect(call.leg1.exten).to.equal('1001');
    expect(call.leg1.ringback).to.deep.equal({ kind: 'tone', tone: 'ring' });
    await eventually(async () => expect((await statusOf(answer.status_url)).body.c2c_status.state).to.equal('completed'), { timeoutMs: 8000 });
    const doc = (await statusOf(answer.status_url)).body.c2c_status;
    expect(doc.pbx_request.pbx_data.Data).to.equal('Local/5550100@from-internal,30,b(c2c-relay-sip-headers^s^1)r(ring)');
    expect(doc.events.map((e: { event: string }) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
  });

  it('when the ringback is a music class and the contact rings first, then the visitor (leg 1) hears that class while the extension rings', async () => {
    const { custom_sip_headers: _headers, ...rest } = FIELDS;
    const created = await create({ name: 'Contact first', extension: '1002', dial_first: 'contact', ...rest, ringback: 'acme-ringing' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const answer = await connect(created.body.data.id as string, '5550123');
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    const call = await callOf(answer.request_id as string);
    expect([call.leg1.exten, call.leg2.exten]).to.deep.equal(['5550123', '1002']);
    expect(call.leg1.ringback).to.deep.equal({ kind: 'music', musicClass: 'acme-ringing' });
    expect([call.leg1.musicClass, call.leg2.musicClass]).to.deep.equal(['acme-hold', 'acme-hold']);
    expect(call.leg2.sipHeaders).to.deep.equal([]);
  });

  it('when an endpoint asks what the Asterisk mapping cannot do, then saving it is refused with unsupported_option and why', async () => {
    const refusals: [Record<string, unknown>, string][] = [
      [{ custom_application_vars: { 'lead-source': 'a', lead_source: 'b' } }, 'C2C_APP_lead_source'],
      [{ ringback: 'tone/a/b' }, 'ringback must be "tone/<name>"'],
      [{ ringback: 'SHELL-ring' }, 'ringback must not contain "SHELL"'],
      [{ dial_first: 'contact', custom_sip_headers: { out: { 'X-A': '1' } } }, 'not the contact'],
      [{ custom_sip_headers: { out: { 'X-A': '😀'.repeat(249) } } }, 'too long for an AMI line'],
    ];
    for (const [fields, words] of refusals) {
      const answer = await create({ name: 'Refused', extension: '1001', ...fields });
      expect(answer.status, JSON.stringify(fields)).to.equal(422);
      expect(answer.body.error.code).to.equal('unsupported_option');
      expect(answer.body.error.message, JSON.stringify(fields)).to.contain(words);
    }
    const saved = (await create({ name: 'Patched', extension: '1001' })).body.data.id as string;
    const patched = await relay.admin('PATCH', `${base()}/${saved}`, { ringback: 'EVAL' });
    expect(patched.status).to.equal(422);
  });
});

/**
 * Property-based proofs, without sockets or Redis, that no value a client can send is encoded into
 * a PBX message in a way that changes its meaning: AMI lines, the Originate, templated HTTP
 * requests, the API's own validation and the Switchvox envelope.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseClick2Call } from '../../api/click2call/parse-request.js';
import type { OtherSettings } from '../../shared/accounts/pbx-settings.js';
import { AppError } from '../../shared/errors.js';
import { AmiEncodeError, encodeAction, MAX_LINE_BYTES, type AmiHeader } from '../../worker/pbx/asterisk/ami-codec.js';
import { assertPlaceable, buildOriginate } from '../../worker/pbx/asterisk/originate-action.js';
import { escapeVariableValue } from '../../worker/pbx/asterisk/channel-variables.js';
import { originateVariables } from '../doubles/ami/channel-vars.js';
import { ClientInputParser, getAll } from '../doubles/ami/client-input.js';
import { ESCAPE, fillSlots } from '../../shared/accounts/pbx-template.js';
import { buildHttpCall, describeHttpCall } from '../../worker/pbx/other/http-template.js';
import type { PlaceCall } from '../../worker/pbx/pbx-driver.js';
import { buildCallRequest, buildGetInfoRequest } from '../../worker/pbx/switchvox/switchvox-api.js';

const NUMBER = /^\+?[0-9*#]{1,32}$/;
const RUNS = { numRuns: 300 };

/** Pieces that break protocols: line ends, NUL, percent-encoded line ends, separators, quotes, placeholders. */
const FRAGMENTS = [
  '\r', '\n', '\r\n', '\0', '\x7f', '\t', '%0d%0a', '%00', '%', '@', ';', '/', '&', ',', '=', '?', '#', '+', '*',
  '"', "'", '<', '>', '\\', '{', '}', '{dial_first}', '{secret:pin}', '..', ' ', '-', '(', ')', '.', ':', '|', '$', '1', '0', '9',
  'é', '\u00a0', '\u2028', '\ufeff', '😀', 'Action: Originate', '\r\n\r\n',
];

/** Arbitrary text, weighted towards protocol metacharacters, plus the occasional very long string. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom(...FRAGMENTS), maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1000, maxLength: 3000 }),
);

const number = fc.stringMatching(NUMBER);
const requestId = fc.uuid({ version: 4 });
const timeoutSeconds = fc.integer({ min: 1, max: 120 });

/** Calls the API could have accepted: the only shape a driver is ever handed. */
const validatedCall: fc.Arbitrary<PlaceCall> = fc.record({
  requestId,
  dialFirst: number,
  dialSecond: number,
  dialAs: number,
  timeoutSeconds,
});

/** Splits encoded AMI bytes into lines and checks each is one well-formed `Name: value` line. */
function expectWellFormedAmi(bytes: string): string[] {
  expect(bytes.endsWith('\r\n\r\n'), 'a message ends with an empty line').to.equal(true);
  expect(bytes).to.not.contain('\0');
  const lines = bytes.slice(0, -4).split('\r\n');
  for (const line of lines) {
    expect(line).to.match(/^[A-Za-z0-9()_-]+: [^\r\n\0]*$/);
    expect(Buffer.byteLength(`${line}\r\n`)).to.be.at.most(MAX_LINE_BYTES);
  }
  return lines;
}

describe('property: PBX encodings never carry hostile input', function () {
  this.timeout(60000);

  describe('AMI codec', () => {
    const headerName = fc.oneof(fc.constantFrom('Action', 'ActionID', 'Channel', 'Exten', 'Variable', 'CallerID', 'X(1)_-'), hostile);
    const headerValue = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 2, arbitrary: hostile });
    const headers = fc
      .tuple(fc.oneof(fc.constant('Originate'), hostile), fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }))
      .map(([action, rest]): AmiHeader[] => [['Action', action], ...rest]);

    it('when any headers are encoded, then it throws AmiEncodeError or every value sits on one clean CRLF line', () => {
      let encoded = 0;
      let refused = 0;
      fc.assert(
        fc.property(headers, (list) => {
          let bytes: string;
          try {
            bytes = encodeAction(list);
          } catch (err) {
            expect(err).to.be.instanceOf(AmiEncodeError);
            refused += 1;
            return;
          }
          encoded += 1;
          const lines = expectWellFormedAmi(bytes);
          expect(lines).to.deep.equal(list.map(([name, value]) => `${name}: ${value}`));
        }),
        RUNS,
      );
      expect(encoded, 'some actions were encoded').to.be.greaterThan(0);
      expect(refused, 'some actions were refused').to.be.greaterThan(0);
    });
  });

  describe('Asterisk Originate', () => {
    const anyCall: fc.Arbitrary<PlaceCall> = fc.record({
      requestId: fc.oneof(requestId, hostile),
      dialFirst: fc.oneof(number, hostile),
      dialSecond: fc.oneof(number, hostile),
      dialAs: fc.oneof(number, hostile),
      timeoutSeconds: fc.oneof(timeoutSeconds, fc.double()),
    });

    it('when assertPlaceable accepts a call, then every field is in its validated shape; else it throws invalid_request', () => {
      fc.assert(
        fc.property(anyCall, (call) => {
          try {
            assertPlaceable(call);
          } catch (err) {
            expect(err).to.be.instanceOf(AppError);
            expect((err as AppError).code).to.equal('invalid_request');
            return;
          }
          for (const value of [call.dialFirst, call.dialSecond, call.dialAs]) expect(value).to.match(NUMBER);
          expect(call.requestId).to.match(/^[A-Za-z0-9-]{1,64}$/);
          expect(Number.isInteger(call.timeoutSeconds) && call.timeoutSeconds >= 1 && call.timeoutSeconds <= 120).to.equal(true);
        }),
        RUNS,
      );
    });

    const plan = fc.record({
      call: validatedCall,
      actionId: requestId.map((id) => `c2c-${id}`),
      channelTemplate: fc.constantFrom('Local/{dial_first}@originate-skipvm', 'Local/{dial_first}@{context}/n', 'PJSIP/{dial_first}'),
      context: fc.stringMatching(/^[A-Za-z0-9_-]{1,79}$/),
      callerIdName: hostile,
      callerIdNumber: number,
      freepbx: fc.boolean(),
    });

    it('when any validated call with any display name is built, then the Originate has clean values, comma-free variables and a quoted name without "<>', () => {
      fc.assert(
        fc.property(plan, (p) => {
          assertPlaceable(p.call);
          const headers = buildOriginate(p);
          for (const [name, value] of headers) {
            expect(value, name).to.not.match(/[\x00-\x1f\x7f]/);
            if (name === 'Variable') expect(value).to.match(/^[A-Z0-9_]+=[^,]*$/);
          }
          const callerId = headers.find(([name]) => name === 'CallerID')?.[1] ?? '';
          const parsed = /^(?:"([^"]*)" )?<([^>]*)>$/.exec(callerId);
          expect(parsed, `CallerID ${JSON.stringify(callerId)}`).to.not.equal(null);
          expect(parsed?.[1] ?? '').to.match(/^[\x20-\x7e]*$/).and.not.match(/["<>\\]/);
          expect(parsed?.[2]).to.equal(p.callerIdNumber);
          expect(headers.find(([name]) => name === 'Exten')?.[1]).to.equal(p.call.dialSecond);
          expectWellFormedAmi(encodeAction(headers));
        }),
        RUNS,
      );
    });
  });

  describe('Asterisk C2C_PAGE and C2C_REF', () => {
    /** Free text the API accepts: no control characters, at most `max` characters (ajv counts code points). */
    const freeText = (max: number) =>
      fc
        .oneof(
          fc.string({ unit: fc.constantFrom(...FRAGMENTS), maxLength: max }),
          fc.string({ unit: 'grapheme', maxLength: max }),
          fc.string({ unit: 'binary', maxLength: max }),
          fc.string({ unit: 'binary', minLength: max - 5, maxLength: max }),
        )
        .filter((text) => !/[\uD800-\uDFFF]/u.test(text) && !/[\x00-\x1f\x7f]/.test(text) && [...text].length <= max);
    const asked = fc.record({
      call: validatedCall,
      page: freeText(255),
      ref: freeText(32),
      secondCallerId: fc.option(number, { nil: undefined }),
      freepbx: fc.boolean(),
    });

    it('when any page and ref are sent, then Asterisk sets exactly C2C_ID, C2C_PAGE and C2C_REF on both legs, byte for byte, or the driver refuses a page too long for an AMI line', () => {
      fc.assert(
        fc.property(asked, ({ call, page, ref, secondCallerId, freepbx }) => {
          const placed = { ...call, page, ref, ...(secondCallerId === undefined ? {} : { secondCallerId }) };
          const plan = { call: placed, actionId: 'c2c-a', channelTemplate: 'Local/{dial_first}@originate-skipvm', context: 'from-internal', callerIdName: 'N', callerIdNumber: call.dialAs, freepbx };
          let bytes: string;
          try {
            bytes = encodeAction(buildOriginate(plan));
          } catch (err) {
            expect((err as AppError).code).to.equal('invalid_request');
            expect((err as AppError).message).to.contain('page is too long');
            expect(Buffer.byteLength(`Variable: __C2C_PAGE=${escapeVariableValue(page)}\r\n`)).to.be.above(MAX_LINE_BYTES);
            return;
          }
          // What Asterisk reads: bytes, not characters, split into lines, then the Variable headers parsed.
          const [message] = new ClientInputParser().feed(Buffer.from(bytes, 'utf8'));
          const { vars, functionWrites } = originateVariables(getAll(message?.headers ?? [], 'Variable'));
          const text = (view: Record<string, string>) =>
            Object.fromEntries(Object.entries(view).map(([name, value]) => [name, Buffer.from(value, 'latin1').toString('utf8')]));
          const expected = {
            C2C_ID: call.requestId,
            C2C_PAGE: page,
            C2C_REF: ref,
            ...(freepbx && secondCallerId !== undefined ? { TRUNKCIDOVERRIDE: secondCallerId } : {}),
          };
          expect(functionWrites).to.deep.equal([]);
          expect(text(vars.view())).to.deep.equal(expected);
          expect(text(vars.inherited().view())).to.deep.equal(expected);
        }),
        RUNS,
      );
    });
  });

  describe('HTTP templates', () => {
    const URL_TEMPLATE = 'https://pbx.example:8443/api/{dial_as}/call?from={dial_first}&to={dial_second}&t={timeout}&id={request_id}';
    const URL_SHAPE = /^https:\/\/pbx\.example:8443\/api\/([^/?#]*)\/call\?from=([^&#]*)&to=([^&#]*)&t=([^&#]*)&id=([^&#]*)$/;
    const values = fc.record({ dial_first: hostile, dial_second: hostile, dial_as: hostile, timeout: hostile, request_id: hostile });

    it('when any values fill a URL template, then the URL keeps its shape, parses, and each part decodes back to its value', () => {
      fc.assert(
        fc.property(values, (v) => {
          const url = fillSlots(URL_TEMPLATE, { call: v, secret: () => undefined }, ESCAPE.url);
          const parts = URL_SHAPE.exec(url);
          expect(parts, url).to.not.equal(null);
          const [as, from, to, t, id] = (parts ?? []).slice(1);
          for (const part of [as, from, to, t, id]) expect(part).to.match(/^[0-9A-Za-z%!'()*._~-]*$/);
          expect([as, from, to, t, id].map((part) => decodeURIComponent(part ?? ''))).to.deep.equal([v.dial_as, v.dial_first, v.dial_second, v.timeout, v.request_id]);
          const parsed = new URL(url);
          expect(parsed.host).to.equal('pbx.example:8443');
          expect([...parsed.searchParams.keys()]).to.deep.equal(['from', 'to', 't', 'id']);
          expect(parsed.searchParams.get('from')).to.equal(v.dial_first);
          expect(parsed.searchParams.get('to')).to.equal(v.dial_second);
        }),
        RUNS,
      );
    });

    it('when any values fill a JSON body template, then the body parses and holds each value verbatim', () => {
      const template = '{"from":"{dial_first}","to":"{dial_second}","as":"{dial_as}","note":"call {dial_second} for {timeout} s","id":"{request_id}"}';
      fc.assert(
        fc.property(values, (v) => {
          const body = JSON.parse(fillSlots(template, { call: v, secret: () => undefined }, ESCAPE.json)) as unknown;
          expect(body).to.deep.equal({ from: v.dial_first, to: v.dial_second, as: v.dial_as, note: `call ${v.dial_second} for ${v.timeout} s`, id: v.request_id });
        }),
        RUNS,
      );
    });

    it('when any values fill a form body template, then URLSearchParams reads back exactly the template fields and values', () => {
      const template = 'from={dial_first}&to={dial_second}&as={dial_as}&t={timeout}&id={request_id}';
      fc.assert(
        fc.property(values, (v) => {
          const body = fillSlots(template, { call: v, secret: () => undefined }, ESCAPE.form);
          expect(body).to.match(/^from=[^&=]*&to=[^&=]*&as=[^&=]*&t=[^&=]*&id=[^&=]*$/);
          expect([...new URLSearchParams(body)]).to.deep.equal([['from', v.dial_first], ['to', v.dial_second], ['as', v.dial_as], ['t', v.timeout], ['id', v.request_id]]);
        }),
        RUNS,
      );
    });

    const settings = (method: 'GET' | 'POST', body_type: OtherSettings['body_type'], body?: string): OtherSettings => ({
      method,
      url: URL_TEMPLATE,
      headers: { 'X-Call': 'from {dial_first} to {dial_second}', 'X-Id': '{request_id}' },
      body_type,
      ...(body === undefined ? {} : { body }),
      success_status: [200, 299],
      timeout_ms: 1000,
    });
    const anyPlaceCall: fc.Arbitrary<PlaceCall> = fc.record({
      requestId: fc.oneof(requestId, hostile),
      dialFirst: fc.oneof(number, hostile),
      dialSecond: fc.oneof(number, hostile),
      dialAs: fc.oneof(number, hostile),
      timeoutSeconds,
    });

    it('when buildHttpCall gets any values, then header values carry no control characters and URL and body keep their shape', () => {
      const variants = fc.constantFrom(
        settings('GET', 'json'),
        settings('POST', 'json', '{"to":"{dial_second}","as":"{dial_as}"}'),
        settings('POST', 'form', 'to={dial_second}&as={dial_as}'),
        settings('POST', 'text', 'call {dial_second} as {dial_as}'),
      );
      fc.assert(
        fc.property(variants, anyPlaceCall, (s, call) => {
          const request = buildHttpCall(s, call);
          for (const [name, value] of Object.entries(request.headers)) expect(value, name).to.not.match(/[\x00-\x1f\x7f]/);
          expect(request.url).to.match(URL_SHAPE);
          expect(new URL(request.url).searchParams.get('to')).to.equal(call.dialSecond);
          if (s.body_type === 'json' && request.body !== undefined) expect(JSON.parse(request.body)).to.deep.equal({ to: call.dialSecond, as: call.dialAs });
          if (s.body_type === 'form') expect(Object.fromEntries(new URLSearchParams(request.body))).to.deep.equal({ to: call.dialSecond, as: call.dialAs });
        }),
        RUNS,
      );
    });

    it('when any values and secrets fill secret slots, then secrets reach only their slots and the recorded view holds none of them', () => {
      const secretValue = fc.tuple(fc.uuid(), fc.string({ unit: fc.constantFrom(...FRAGMENTS.filter((f) => !/[\x00-\x1f\x7f]/.test(f))), maxLength: 6 })).map(([id, tail]) => `${id}${tail}`);
      fc.assert(
        fc.property(anyPlaceCall, secretValue, secretValue, (call, pin, pwd) => {
          const s: OtherSettings = {
            ...settings('POST', 'json', '{"to":"{dial_second}","pin":"{secret:pin}"}'),
            url: 'https://pbx.example/t/{secret:pwd}/call?to={dial_second}&pin={secret:pin}',
            headers: { 'X-Pin': '{secret:pin}', 'X-Call': 'to {dial_second}' },
            secrets: { pin, pwd },
          };
          const request = buildHttpCall(s, call);
          const url = new URL(request.url);
          expect(url.searchParams.get('to')).to.equal(call.dialSecond);
          expect(url.searchParams.get('pin')).to.equal(pin);
          expect(JSON.parse(request.body ?? '')).to.deep.equal({ to: call.dialSecond, pin });
          const view = JSON.stringify(describeHttpCall(s, call));
          for (const secret of [pin, pwd]) {
            for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) expect(view).to.not.contain(form);
          }
        }),
        RUNS,
      );
    });

    it('when a validated call is templated into a URL, then its parts use only [0-9A-Za-z%*._~-]', () => {
      fc.assert(
        fc.property(validatedCall, (call) => {
          const parts = URL_SHAPE.exec(buildHttpCall(settings('GET', 'json'), call).url);
          for (const part of (parts ?? ['no match']).slice(1)) expect(part).to.match(/^[0-9A-Za-z%*._~-]+$/);
        }),
        RUNS,
      );
    });
  });

  describe('API validation', () => {
    const FIELDS = [
      'dial_first', 'dial_second', 'dial_as', 'dail_as', 'pbx', 'timeout', 'wait', 'idempotency_key', 'api_key', '__proto__', 'other',
      'first_callerid', 'second_callerid', 'page', 'ref', 'record', 'warning', 'wait_for', 'status_callback',
    ];
    const nearNumber = fc.tuple(fc.constantFrom('', ' ', '(', '+', '-'), number, fc.constantFrom('', ' ', ')', '.', '\r\n', '%0d%0a', '@x', ';', ',1')).map((p) => p.join(''));
    const leaf = fc.oneof(
      { weight: 4, arbitrary: hostile },
      { weight: 3, arbitrary: nearNumber },
      { weight: 2, arbitrary: fc.constantFrom('asterisk', 'SWITCHVOX', 'other', '0', '1', '2', '3', '4', '30', '120', '121', '130', '131', '999', '-1', '1.5', 'verdict', 'Answered', 'connected', 'https://crm.example/cb', 'http://u:p@x/') },
      { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)) },
    );
    const value = fc.oneof(
      { weight: 6, arbitrary: leaf },
      { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), leaf, { maxKeys: 3 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).chain((depth) => leaf.map((v) => nest(v, depth))) },
    );
    const numberish = fc.oneof(number, nearNumber, value);
    // Both numbers usually present, so valid requests are common; extra fields may replace them.
    const fields = fc
      .tuple(
        fc.record({ dial_first: numberish, dial_second: numberish }),
        fc.oneof(fc.constant({}), fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), value, { maxKeys: 6 })),
      )
      .map(([numbers, extra]): Record<string, unknown> => ({ ...numbers, ...extra }));

    it('when any fields are parsed, then it returns only validated numbers and bounds, or throws invalid_request', () => {
      let accepted = 0;
      fc.assert(
        fc.property(fields, (f) => {
          let request;
          try {
            request = parseClick2Call(f);
          } catch (err) {
            expect(err).to.be.instanceOf(AppError);
            expect((err as AppError).code).to.equal('invalid_request');
            return;
          }
          accepted += 1;
          for (const n of [request.dialFirst, request.dialSecond, request.dialAs]) expect(n).to.match(NUMBER);
          const { options } = request;
          expect(Number.isInteger(options.timeout) && options.timeout >= 1 && options.timeout <= 120, `timeout ${options.timeout}`).to.equal(true);
          if (options.wait !== undefined) expect(Number.isInteger(options.wait) && options.wait >= 0 && options.wait <= 130, `wait ${options.wait}`).to.equal(true);
          expect([undefined, 'asterisk', 'switchvox', 'other']).to.include(request.pbx);
          if (options.idempotencyKey !== undefined) expect(options.idempotencyKey).to.match(/^[\x21-\x7e]{1,128}$/);
          // The call options of SPEC §8: numbers validated, free text bounded and free of control characters.
          for (const callerId of [options.firstCallerId, options.secondCallerId]) if (callerId !== undefined) expect(callerId).to.match(NUMBER);
          if (options.page !== undefined) expect(options.page.length <= 255 && !/[\x00-\x1f\x7f]/.test(options.page), 'page').to.equal(true);
          if (options.ref !== undefined) expect(options.ref.length <= 32 && !/[\x00-\x1f\x7f]/.test(options.ref), 'ref').to.equal(true);
          expect([0, 1, 2, 3]).to.include(options.warning);
          if (!options.record) expect(options.warning).to.equal(0);
          expect(['verdict', 'answered', 'connected']).to.include(options.waitFor);
        }),
        { numRuns: 1000 },
      );
      expect(accepted, 'some requests were valid').to.be.greaterThan(0);
    });
  });

  describe('Switchvox envelopes', () => {
    const accountId = fc.stringMatching(/^[0-9]{1,10}$/);
    const CALL_KEYS = ['dial_as_account_id', 'dial_first', 'dial_second', 'timeout'];

    it('when any validated call is built, then switchvox.call carries exactly the documented parameters as number strings', () => {
      fc.assert(
        fc.property(validatedCall, accountId, (call, dialAsAccountId) => {
          const envelope = buildCallRequest({ dialFirst: call.dialFirst, dialSecond: call.dialSecond, dialAsAccountId, timeoutSeconds: call.timeoutSeconds }, call.requestId);
          const wire = JSON.parse(JSON.stringify(envelope)) as { request: Record<string, unknown> };
          expect(Object.keys(wire)).to.deep.equal(['request']);
          expect(Object.keys(wire.request).sort()).to.deep.equal(['method', 'parameters', 'transaction_id']);
          expect(wire.request.method).to.equal('switchvox.call');
          expect(wire.request.transaction_id).to.equal(call.requestId);
          const parameters = wire.request.parameters as Record<string, unknown>;
          expect(Object.keys(parameters).sort()).to.deep.equal(CALL_KEYS);
          expect(parameters.dial_first).to.be.a('string').and.match(NUMBER);
          expect(parameters.dial_second).to.be.a('string').and.match(NUMBER);
          expect(parameters.dial_as_account_id).to.be.a('string').and.match(/^[0-9]+$/);
          expect(parameters.timeout).to.be.a('string').and.match(/^[0-9]{1,3}$/);
        }),
        RUNS,
      );
    });

    it('when any values are built into switchvox.call or getInfo, then the JSON envelope keeps its method and keys and holds each value verbatim', () => {
      fc.assert(
        fc.property(hostile, hostile, hostile, hostile, (dialFirst, dialSecond, dialAsAccountId, extension) => {
          const call = JSON.parse(JSON.stringify(buildCallRequest({ dialFirst, dialSecond, dialAsAccountId, timeoutSeconds: 30 })));
          expect(call).to.deep.equal({ request: { method: 'switchvox.call', parameters: { dial_first: dialFirst, dial_second: dialSecond, dial_as_account_id: dialAsAccountId, timeout: '30' } } });
          const info = JSON.parse(JSON.stringify(buildGetInfoRequest(extension)));
          expect(info).to.deep.equal({ request: { method: 'switchvox.extensions.getInfo', parameters: { extensions: [extension] } } });
        }),
        RUNS,
      );
    });
  });
});

function nest(value: unknown, depth: number): unknown {
  let out = value;
  for (let i = 0; i < depth; i += 1) out = [out];
  return out;
}

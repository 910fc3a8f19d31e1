import { expect } from 'chai';
import {
  accountIdFromGetInfo,
  asArray,
  buildCallRequest,
  buildGetInfoRequest,
  classifyResponse,
  describeApiErrors,
} from '../../worker/pbx/switchvox/switchvox-api.js';

describe('switchvox-api', () => {
  describe('requests', () => {
    it('when a getInfo request is built, then it uses the flat-array list form', () => {
      expect(buildGetInfoRequest('104', 'req-1')).to.deep.equal({
        request: { method: 'switchvox.extensions.getInfo', parameters: { extensions: ['104'] }, transaction_id: 'req-1' },
      });
    });

    it('when a call request is built, then it carries exactly the documented parameters as strings', () => {
      const envelope = buildCallRequest({ dialFirst: '101', dialSecond: '0015554578299', dialAsAccountId: '1106', timeoutSeconds: 25 });
      expect(envelope).to.deep.equal({
        request: {
          method: 'switchvox.call',
          parameters: { dial_first: '101', dial_second: '0015554578299', dial_as_account_id: '1106', timeout: '25' },
        },
      });
    });

    it('when a caller ID name is given, then it is sent as caller_id_name', () => {
      const envelope = buildCallRequest({ dialFirst: '1', dialSecond: '2', dialAsAccountId: '3', timeoutSeconds: 5, callerIdName: 'Relay' });
      expect(envelope.request.parameters.caller_id_name).to.equal('Relay');
    });
  });

  describe('classifyResponse', () => {
    it('when the status is not 200, then it is an http_error with an excerpt', () => {
      const outcome = classifyResponse(500, '<html>boom</html>');
      expect(outcome).to.deep.equal({ kind: 'http_error', status: 500, excerpt: '<html>boom</html>' });
    });

    it('when the body is truncated JSON, then it is a protocol_error', () => {
      expect(classifyResponse(200, '{"response":{"result":').kind).to.equal('protocol_error');
    });

    it('when the body has no response object, or neither result nor errors, then it is a protocol_error', () => {
      expect(classifyResponse(200, '{"foo":1}').kind).to.equal('protocol_error');
      expect(classifyResponse(200, '[]').kind).to.equal('protocol_error');
      expect(classifyResponse(200, '{"response":{"method":"switchvox.call"}}').kind).to.equal('protocol_error');
    });

    it('when one error comes as an object with a numeric code (2009 fixture), then it is read as a string', () => {
      const body = '{"response":{"method":"switchvox.call","errors":{"error":{"code":10011,"message":"Missing required parameter (dial_as_account_id)"}}}}';
      const outcome = classifyResponse(200, body);
      expect(outcome.kind).to.equal('api_error');
      if (outcome.kind !== 'api_error') return;
      expect(outcome.errors).to.deep.equal([{ code: '10011', message: 'Missing required parameter (dial_as_account_id)' }]);
      expect(outcome.document).to.deep.equal(JSON.parse(body));
    });

    it('when several errors come as an array in any key order, then all are read', () => {
      const body = JSON.stringify({
        response: {
          errors: {
            error: [
              { message: 'Invalid extension (abc). Extensions may only contain digits or *.', code: '10010' },
              { code: 10010, message: 'Invalid extension (def). Extensions may only contain digits or *.' },
            ],
          },
        },
      });
      const outcome = classifyResponse(200, body);
      if (outcome.kind !== 'api_error') throw new Error(outcome.kind);
      expect(outcome.errors.map((e) => e.code)).to.deep.equal(['10010', '10010']);
      expect(describeApiErrors(outcome.errors)).to.equal(
        'Invalid extension (abc). Extensions may only contain digits or *. (code 10010); Invalid extension (def). Extensions may only contain digits or *. (code 10010)',
      );
    });

    it('when a 2021-style pretty-printed 74151 error without method arrives, then it is an api_error', () => {
      const body = '{\n   "response" : {\n      "errors" : {\n         "error" : {\n            "message" : "Your json request is not structured correctly.",\n            "code" : "74151"\n         }\n      }\n   }\n}\n';
      const outcome = classifyResponse(200, body);
      if (outcome.kind !== 'api_error') throw new Error(outcome.kind);
      expect(describeApiErrors(outcome.errors)).to.equal('Your json request is not structured correctly. (code 74151)');
    });

    it('when the result is present, then it is ok with the result and the whole document', () => {
      const body = '{"response":{"method":"switchvox.call","result":{"call_info":{"dialed_first":"101","dialed_second":"915554578299","variables":{}}}}}';
      const outcome = classifyResponse(200, body);
      if (outcome.kind !== 'ok') throw new Error(outcome.kind);
      expect(outcome.result).to.deep.equal({ call_info: { dialed_first: '101', dialed_second: '915554578299', variables: {} } });
    });
  });

  describe('accountIdFromGetInfo', () => {
    const one = { extensions: { extension: { number: '222', account_id: '1111', type: 'sip' } } };
    const two = { extensions: { extension: [{ number: 104, account_id: 1110 }, { number: '207', account_id: '1120' }] } };

    it('when one extension comes back as an object, then its account id is returned', () => {
      expect(accountIdFromGetInfo(one, '222')).to.equal('1111');
    });

    it('when several come back as an array with numeric scalars, then the exact number is picked', () => {
      expect(accountIdFromGetInfo(two, '104')).to.equal('1110');
      expect(accountIdFromGetInfo(two, '207')).to.equal('1120');
    });

    it('when the extension was left out or the list is empty in any shape, then it is not found', () => {
      expect(accountIdFromGetInfo(one, '223')).to.equal(undefined);
      expect(accountIdFromGetInfo({ extensions: {} }, '222')).to.equal(undefined);
      expect(accountIdFromGetInfo({ extensions: '' }, '222')).to.equal(undefined);
      expect(accountIdFromGetInfo({}, '222')).to.equal(undefined);
      expect(accountIdFromGetInfo('', '222')).to.equal(undefined);
    });

    it('when an entry has no account id, then it is not found', () => {
      expect(accountIdFromGetInfo({ extensions: { extension: { number: '222' } } }, '222')).to.equal(undefined);
    });
  });

  it('when asArray gets nothing, one item or a list, then it always returns a list', () => {
    expect(asArray(undefined)).to.deep.equal([]);
    expect(asArray('')).to.deep.equal([]);
    expect(asArray({ a: 1 })).to.deep.equal([{ a: 1 }]);
    expect(asArray([1, 2])).to.deep.equal([1, 2]);
  });
});

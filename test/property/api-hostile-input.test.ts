/**
 * End to end against the real relay (API, Redis, BullMQ, worker, drivers) with the HTTP and AMI PBX
 * doubles: arbitrary values in every public parameter and header always get the documented JSON
 * answer, and nothing a client sent ever reaches a PBX outside the protocol's shape.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import net from 'node:net';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { eventually } from '../support/eventually.js';
import { provision, startRelay, statusOf, type Relay } from '../support/relay.js';

const NUMBER = /^\+?[0-9*#]{1,32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** README "Error codes", minus `internal_error`: a crash is exactly what these properties rule out. */
const DOCUMENTED_CODES = [
  'invalid_api_key', 'invalid_request', 'pbx_not_configured', 'number_not_allowed', 'rate_limited', 'dial_as_not_found',
  'pbx_unreachable', 'pbx_auth_failed', 'pbx_error', 'pbx_timeout', 'expired', 'service_unavailable',
];
const REQUEST_TIMEOUT_MS = 10000;
const RUNS = { numRuns: 200 };
/** What a templated part of a URL may hold once escaped. */
const URL_PART = /^[0-9A-Za-z%*#+._~-]*$/;

const FRAGMENTS = [
  '\r', '\n', '\r\n', '\0', '%0d%0a', '%0D%0A', '%00', '%', '@', ';', '/', '&', ',', '=', '?', '#', '+', '*', '"', "'",
  '<', '>', '\\', '{dial_first}', ' ', '-', '(', ')', '.', '1', '0', '5', 'é', '\u2028', '😀', '\r\nAction: Originate\r\n',
];
const short = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(...FRAGMENTS), maxLength: 10 }),
);
/** Long enough to matter, short enough that one of them keeps a GET under Node's 16 KB header limit. */
const long = fc.string({ unit: 'binary-ascii', minLength: 500, maxLength: 1500 });

const EXTENSIONS = ['1001', '1002', '1003', '1004', '1005'];
const validNumber = fc.oneof(fc.constantFrom(...EXTENSIONS, '5550100', '+4420794600', '*72', '#31#'), fc.stringMatching(NUMBER));
const decorated = fc
  .tuple(fc.constantFrom('', ' ', '(', '+'), validNumber, fc.constantFrom('', ' ', ')', '-', '.', '\r\n', '%0d%0a', '\0', '@evil', ';x', ',1', '/2', '&a=b', '"'))
  .map(([before, n, after]) => `${before}${n}${after}`);
const hostileValue = fc.oneof({ weight: 2, arbitrary: decorated }, { weight: 3, arbitrary: short }, { weight: 1, arbitrary: fc.constantFrom('asterisk', 'other', 'OTHER', 'switchvox', '0', '1', '120', '121', '007', '1e2', '') });
const FIELDS = ['api_key', 'dial_first', 'dial_second', 'dial_as', 'dail_as', 'pbx', 'timeout', 'wait', 'idempotency_key', 'junk'] as const;

type Params = Record<string, string>;
/**
 * One request: a valid call, left as is in a third of the runs, else with one to four fields replaced
 * by hostile values or dropped, so each run probes a few fields while the rest would let the call
 * through to a PBX. At most one field is long, so a GET stays within Node's 16 KB header limit.
 */
const params = (keys: { a: string; b: string }): fc.Arbitrary<Params> => {
  const valid = fc.record(
    {
      api_key: fc.constantFrom(keys.a, keys.b),
      dial_first: validNumber,
      dial_second: validNumber,
      dial_as: fc.constantFrom(...EXTENSIONS),
      pbx: fc.constantFrom('asterisk', 'other', 'OTHER'),
      timeout: fc.constantFrom('1', '30', '120'),
      wait: fc.constantFrom('0', '0', '1'),
    },
    { requiredKeys: ['api_key', 'dial_first', 'dial_second', 'wait'] },
  );
  const change = fc.tuple(fc.constantFrom(...FIELDS), fc.option(hostileValue, { freq: 6 }));
  const mutations = fc.oneof(fc.constant([]), fc.array(change, { minLength: 1, maxLength: 4 }), fc.array(change, { minLength: 1, maxLength: 4 }));
  const longOne = fc.option(fc.tuple(fc.constantFrom(...FIELDS), long), { freq: 8 });
  return fc.tuple(valid, mutations, longOne).map(([base, changes, longField]) => {
    const out: Params = { ...base };
    for (const [name, value] of longField ? [...changes, longField] : changes) {
      if (value === null) delete out[name];
      else out[name] = value;
    }
    // A valid wait above 1 s is lowered to 0 so no run holds the suite waiting for a verdict.
    if (out.wait !== undefined && /^[0-9]{1,3}$/.test(out.wait) && Number(out.wait) > 1) out.wait = '0';
    return out;
  });
};

/** Characters an HTTP client can put in a header value (fetch refuses CR, LF, NUL and other controls). */
const headerText = (keys: { a: string; b: string }) =>
  fc.string({
    unit: fc.oneof(
      fc.constantFrom('%0d%0a', 'Bearer ', 'bearer\t', 'c2c_live_', keys.a, keys.b, ',', ';', '"', '\t', ' '),
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
    ),
    maxLength: 12,
  });

interface Answer {
  request_id: string;
  status: 'success' | 'fail';
  errors: { error: { code: string; message: string; url: string } }[];
  state: string;
  status_url: string;
}

/** Checks the README's answer shape; returns it for the caller to track. */
async function expectDocumented(response: Response): Promise<Answer> {
  expect(response.status).to.equal(200);
  expect(response.headers.get('content-type')).to.match(/^application\/json/);
  const body = JSON.parse(await response.text()) as { response: Answer };
  const answer = body.response;
  expect(answer.request_id).to.be.a('string').and.match(UUID);
  expect(['success', 'fail']).to.include(answer.status);
  expect(answer.errors).to.be.an('array');
  expect(answer.errors.length === 0).to.equal(answer.status === 'success');
  for (const item of answer.errors) {
    expect(Object.keys(item)).to.deep.equal(['error']);
    expect(item.error.code, item.error.message).to.be.oneOf(DOCUMENTED_CODES);
    expect(item.error.message).to.be.a('string');
    expect(item.error.url).to.be.a('string');
  }
  expect(answer.state).to.be.a('string');
  expect(answer.status_url).to.be.a('string');
  return answer;
}

describe('property: hostile input through the real relay never reaches a PBX', function () {
  this.timeout(60000);
  let relay: Relay;
  let http: HttpPbxDouble;
  let ami: AmiDouble;
  const keys = { a: '', b: '' };
  /** Status URLs of accepted requests, to wait until the worker has dealt with every one. */
  let pending: string[] = [];

  before(async () => {
    relay = await startRelay({ UNAUTHENTICATED_PER_MINUTE: '1000000', DEFAULT_WAIT_SECONDS: '1', WORKER_CONCURRENCY: '50' });
    http = await startHttpPbxDouble();
    ami = await startAmiDouble({ ...sandboxAmiOptions(), timing: { ringMs: 5, holdMs: 10, leg2RingMs: 20 } });
    // Wide open, so that every well-formed number reaches a PBX and the properties probe the encoders.
    const policy = { allow: ['^.*$'], deny: [], allow_first: ['^.*$'], allow_emergency: true, allow_service_codes: true, allow_feature_codes: true, rate_per_minute: 100000 };
    // Account A: Asterisk (default) and an HTTP PBX with a JSON body; account B: an HTTP PBX with a form body.
    const a = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' });
    const other = await relay.admin('PUT', `/admin/v1/accounts/${a.accountId}/pbx/other`, {
      method: 'POST',
      url: `${http.url}/json/{dial_as}?from={dial_first}&to={dial_second}&t={timeout}&id={request_id}`,
      body: '{"from":"{dial_first}","to":"{dial_second}","as":"{dial_as}","id":"{request_id}"}',
      body_type: 'json',
      timeout_ms: 1500,
    });
    expect(other.status).to.equal(200);
    const b = await provision(relay, 'other', { method: 'POST', url: `${http.url}/form?id={request_id}`, body: 'from={dial_first}&to={dial_second}&as={dial_as}&t={timeout}', body_type: 'form', timeout_ms: 1500 });
    for (const [id, extra] of [[a.accountId, {}], [b.accountId, { default_pbx: 'other' }]] as const) {
      expect((await relay.admin('PUT', `/admin/v1/accounts/${id}/policy`, { ...policy, ...extra })).status).to.equal(200);
    }
    keys.a = a.apiKey;
    keys.b = b.apiKey;
  });
  after(async () => {
    await relay.stop();
    await ami.close();
    await http.close();
  });
  beforeEach(() => {
    pending = [];
  });

  async function send(path: string, init: RequestInit = {}): Promise<Answer> {
    const answer = await expectDocumented(await fetch(`${relay.base}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }));
    if (answer.status === 'success') pending.push(answer.status_url);
    return answer;
  }

  /**
   * Waits until no accepted request is still queued or dispatching; checks that the worker failed
   * none of them with an undocumented error and nothing logged an error; then checks every byte both
   * doubles received.
   */
  async function expectPbxesSawOnlyWellFormedRequests(): Promise<void> {
    const docs = await eventually(
      async () => {
        const all = await Promise.all(pending.map(async (url) => (await statusOf(url)).body?.c2c_status as { state: string; response?: { error?: { code: string } } }));
        expect(all.filter((doc) => doc.state === 'queued' || doc.state === 'dispatching')).to.deep.equal([]);
        return all;
      },
      { timeoutMs: 20000, intervalMs: 50 },
    );
    for (const doc of docs) if (doc.response?.error) expect(doc.response.error.code).to.be.oneOf(DOCUMENTED_CODES);
    expect(relay.logs.parsed().filter((line) => Number(line.level) >= 50)).to.deep.equal([]);
    for (const session of ami.received()) {
      expect(session).to.not.contain('\0');
      for (const line of session.split('\r\n')) if (line !== '') expect(line, JSON.stringify(line)).to.match(/^[A-Za-z0-9()_-]+: [^\r\n\0]*$/);
    }
    for (const action of ami.actions()) {
      const [[, name] = ['', ''], ...rest] = action.headers;
      if (name === 'DBGet') expect(rest.find(([k]) => k === 'Key')?.[1]).to.match(/^\+?[0-9*#]{1,32}\/cidname$/);
      if (name === 'Getvar') expect(rest.find(([k]) => k === 'Variable')?.[1]).to.match(/^PJSIP_ENDPOINT\(\+?[0-9*#]{1,32},(context|callerid)\)$/);
    }
    for (const originate of ami.originates()) {
      expect(originate.exten).to.match(NUMBER);
      expect(originate.channel).to.match(/^Local\/\+?[0-9*#]{1,32}@originate-skipvm$/);
      expect(originate.callerId).to.match(/^(?:"[^"<>\\\x00-\x1f]*" )?<\+?[0-9*#]{1,32}>$/);
    }
    for (const request of http.requests) expectWellFormedHttpCall(request.url, request.body);
  }

  function expectWellFormedHttpCall(url: string, body: string): void {
    const json = /^\/json\/([^/?#]*)\?from=([^&#]*)&to=([^&#]*)&t=([^&#]*)&id=([^&#]*)$/.exec(url);
    const form = /^\/form\?id=([^&#]*)$/.exec(url);
    expect(json ?? form, `unexpected URL ${url}`).to.not.equal(null);
    for (const part of (json ?? form ?? []).slice(1)) expect(part).to.match(URL_PART);
    if (json) {
      const [as, from, to, t, id] = json.slice(1).map((part) => decodeURIComponent(part ?? ''));
      for (const n of [as, from, to]) expect(n).to.match(NUMBER);
      expect(t).to.match(/^[0-9]{1,3}$/);
      expect(id).to.match(UUID);
      const parsed = JSON.parse(body) as Record<string, string>;
      expect(Object.keys(parsed)).to.deep.equal(['from', 'to', 'as', 'id']);
      expect([parsed.from, parsed.to, parsed.as]).to.deep.equal([from, to, as]);
    } else {
      expect(body).to.match(/^from=([^&=]*)&to=([^&=]*)&as=([^&=]*)&t=([^&=]*)$/);
      for (const part of body.split('&')) expect(part.split('=')[1]).to.match(URL_PART);
      const fields = new URLSearchParams(body);
      for (const name of ['from', 'to', 'as']) expect(fields.get(name)).to.match(NUMBER);
    }
  }

  /** How many actions and requests both doubles have received: each property must get some through. */
  const reached = () => ami.actions().filter((a) => ['DBGet', 'Getvar', 'Originate'].includes(a.headers[0]?.[1] ?? '')).length + http.requests.length;

  it('when any values are sent as GET query parameters, then the answer is documented JSON and only well-formed requests reach the PBXes', async () => {
    const before = reached();
    await fc.assert(fc.asyncProperty(params(keys), async (p) => void (await send(`/v1/click2call?${new URLSearchParams(p)}`))), RUNS);
    await expectPbxesSawOnlyWellFormedRequests();
    expect(reached()).to.be.greaterThan(before);
  });

  it('when any JSON values are POSTed, then the answer is documented JSON and only well-formed requests reach the PBXes', async () => {
    const before = reached();
    const anyJson = fc.oneof(fc.double(), fc.boolean(), fc.constant(null), fc.array(short, { maxLength: 3 }), fc.dictionary(short, short, { maxKeys: 2 }));
    const body = fc.tuple(params(keys), fc.dictionary(fc.constantFrom('dial_first', 'dial_second', 'dial_as', 'timeout', 'api_key', 'pbx'), anyJson, { maxKeys: 1 }));
    await fc.assert(
      fc.asyncProperty(body, async ([p, odd]) => {
        await send('/v1/click2call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...p, ...odd }) });
      }),
      RUNS,
    );
    await expectPbxesSawOnlyWellFormedRequests();
    expect(reached()).to.be.greaterThan(before);
  });

  it('when any values are POSTed as a form, with repeats and extra fields, then the answer is documented JSON and only well-formed requests reach the PBXes', async () => {
    const before = reached();
    const extra = fc.oneof(fc.constant([]), fc.array(fc.tuple(fc.oneof(fc.constantFrom('dial_first', 'dial_second', 'api_key'), short), short), { maxLength: 60 }));
    await fc.assert(
      fc.asyncProperty(params(keys), extra, async (p, more) => {
        const form = new URLSearchParams(p);
        for (const [name, value] of more) form.append(name, value);
        await send('/v1/click2call', { method: 'POST', body: form });
      }),
      RUNS,
    );
    await expectPbxesSawOnlyWellFormedRequests();
    expect(reached()).to.be.greaterThan(before);
  });

  it('when the key and idempotency headers hold any sendable characters, then the answer is documented JSON and only well-formed requests reach the PBXes', async () => {
    const before = reached();
    const text = headerText(keys);
    const headers = fc.record(
      {
        'x-api-key': fc.oneof(fc.constantFrom(keys.a, keys.b), text),
        authorization: fc.oneof(fc.constantFrom(`Bearer ${keys.a}`, `bearer  ${keys.b}`), text),
        'idempotency-key': text,
      },
      { requiredKeys: [] },
    );
    const call = fc.record({ dial_first: fc.constantFrom(...EXTENSIONS), dial_second: validNumber, wait: fc.constant('0') });
    await fc.assert(fc.asyncProperty(headers, call, async (h, p) => void (await send(`/v1/click2call?${new URLSearchParams(p)}`, { headers: h }))), RUNS);
    await expectPbxesSawOnlyWellFormedRequests();
    expect(reached()).to.be.greaterThan(before);
  });

  it('when the raw query holds percent-encoded CR/LF/NUL, broken escapes and separators, then the answer is documented JSON and only well-formed requests reach the PBXes', async () => {
    const token = fc.oneof(
      fc.constantFrom('dial_first=', 'dial_second=', 'dial_as=', 'pbx=', 'timeout=', '&', '=', '%0d%0a', '%0D%0A', '%0a', '%00', '%', '%zz', '%E0%A4%A', '%C0%80', '%FF', '%2B', '+', '%23', '%2F', '%26', '%3B', '%40', '%2C', '%22', '1001', '5550100', '*', ';', '@', ',', '/', '..', 'wait=0'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 4 }),
    );
    const query = fc.tuple(fc.constantFrom('', `api_key=${keys.a}&`, `api_key=${keys.b}&`), fc.array(token, { maxLength: 20 })).map(([key, tokens]) => `${key}wait=0&${tokens.join('')}`);
    await fc.assert(fc.asyncProperty(query, async (q) => void (await send(`/v1/click2call?${q}`))), RUNS);
    await expectPbxesSawOnlyWellFormedRequests();
  });

  it('when any body arrives under any content type and encoding, then the answer is documented JSON and only well-formed requests reach the PBXes', async () => {
    const deep = fc.integer({ min: 1, max: 7000 }).map((depth) => `{"dial_first":${'['.repeat(depth)}"1001"${']'.repeat(depth)},"dial_second":"5550100","wait":"0"}`);
    const body = fc.oneof(
      short,
      fc.string({ unit: 'binary', minLength: 4000, maxLength: 9000 }),
      deep,
      fc.constant(JSON.stringify({ dial_first: '1001', dial_second: 'x'.repeat(17000) })),
      fc.tuple(fc.constantFrom('{"dial_first":"1001","dial_second":"5550100","wait":"0"', 'dial_first=1001&dial_second=5550100&wait=0'), short).map(([a, b]) => a + b),
    );
    const contentType = fc.constantFrom(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-16', 'application/json; charset=koi8-r', 'application/x-www-form-urlencoded; charset=nope', 'multipart/form-data; boundary=x');
    const encoding = fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'x-unknown');
    await fc.assert(
      fc.asyncProperty(body, contentType, encoding, fc.constantFrom(keys.a, keys.b, 'none'), async (b, type, enc, key) => {
        const headers: Record<string, string> = { 'x-api-key': key };
        if (type !== undefined) headers['content-type'] = type;
        if (enc !== undefined) headers['content-encoding'] = enc;
        await send('/v1/click2call', { method: 'POST', headers, body: b });
      }),
      RUNS,
    );
    await expectPbxesSawOnlyWellFormedRequests();
  });

  it('when raw header bytes include CR, LF or NUL, then the server answers documented JSON or a 400 and never a 5xx or a hang', async () => {
    const raw = fc.string({ unit: fc.oneof(fc.constantFrom('\r', '\n', '\r\n', '\0', ':', ' '), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 })), maxLength: 20 });
    const headerName = fc.constantFrom('X-Api-Key', 'Authorization', 'Idempotency-Key');
    await fc.assert(
      fc.asyncProperty(headerName, raw, fc.constantFrom(keys.a, keys.b), async (name, value, key) => {
        const request = `GET /v1/click2call?dial_first=1001&dial_second=5550100&wait=0&api_key=${key} HTTP/1.1\r\nHost: relay\r\n${name}: ${value}\r\nConnection: close\r\n\r\n`;
        const reply = await rawExchange(relay.web.httpPort, Buffer.from(request, 'latin1'));
        const statuses = [...reply.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
        expect(statuses.length, reply).to.be.greaterThan(0);
        for (const status of statuses) expect([200, 400]).to.include(status);
        if (statuses[0] === 200) {
          const start = reply.indexOf('\r\n\r\n') + 4;
          const length = Number(/^content-length: (\d+)/im.exec(reply.slice(0, start))?.[1]);
          const answer = JSON.parse(reply.slice(start, start + length)) as { response: Answer };
          expect(answer.response.errors.map((e) => e.error.code).every((c) => DOCUMENTED_CODES.includes(c))).to.equal(true);
          if (answer.response.status === 'success') pending.push(answer.response.status_url);
        }
      }),
      { numRuns: 80 },
    );
    await expectPbxesSawOnlyWellFormedRequests();
  });
});

/** Writes raw bytes and returns everything the server sent before closing (or fails on a hang). */
function rawExchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // No half-close: the server would abort a request whose client has already hung up.
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      socket.destroy();
      reject(new Error('the server did not answer in time'));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may reset a connection it refused while bytes were still in flight: what it sent still counts.
    socket.on('error', (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** History and export of an account's requests (SPEC §8): filters, formats, and an export of any size in flat memory. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StatusStore } from '../../shared/status/status-store.js';
import { createQueued, markAccepted, markDispatching, markProgress } from '../../shared/status/status-document.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { ADMIN_TOKEN, click2call, provision, startRelay, type Relay } from '../support/relay.js';
import { testRedis } from '../support/redis-url.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('request history and export', function () {
  this.timeout(120_000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let apiKey: string;
  let accountId: string;

  before(async () => {
    relay = await startRelay();
    pbx = await startHttpPbxDouble();
    ({ apiKey, accountId } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` }, { default_pbx: 'other' }));
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  const exported = async (query: string) => {
    const response = await fetch(`${relay.base}/admin/v1/accounts/${accountId}/requests?${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };

  it('when requests carry page and ref, then history filters by ref and state and exports both formats with the documented columns', async () => {
    const hostilePage = '=HYPERLINK("http://evil"),"a,b"\u00e9';
    const first = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', ref: 'crm-1', page: hostilePage });
    const second = await click2call(relay, { api_key: apiKey, dial_first: '1002', dial_second: '5550101', ref: 'crm-2' });
    const refused = await click2call(relay, { api_key: apiKey, dial_first: '1003', dial_second: '+449001234', ref: 'crm-1' });
    expect([first.state, second.state, refused.state]).to.deep.equal(['accepted', 'accepted', 'failed']);

    const byRef = await relay.admin('GET', `/admin/v1/accounts/${accountId}/requests?ref=crm-1`);
    expect(byRef.body.requests.map((row: any) => row.request_id)).to.deep.equal([refused.request_id, first.request_id]);
    const accepted = await relay.admin('GET', `/admin/v1/accounts/${accountId}/requests?ref=crm-1&state=accepted`);
    expect(accepted.body.requests).to.have.length(1);
    expect(accepted.body.requests[0]).to.include({ request_id: first.request_id, page: hostilePage, ref: 'crm-1', dial_first: '1001', dial_second: '5550100', dial_as: '1001', pbx: 'other', state: 'accepted', duration: '' });

    const csv = await exported('ref=crm-1&format=csv');
    expect(csv.type).to.contain('text/csv');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).to.equal('request_id,utc.time,dial_first,dial_second,dial_as,page,ref,state,pbx,duration');
    expect(lines).to.have.length(3);
    // A spreadsheet must not run the caller's text as a formula; commas and quotes stay inside one cell.
    expect(lines[2]).to.contain(`,"'=HYPERLINK(""http://evil""),""a,b""\u00e9",crm-1,accepted,other,`);

    const ndjson = await exported('state=failed&format=ndjson');
    const rows = ndjson.text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((row) => row.request_id)).to.include(refused.request_id);
    expect(rows.every((row) => row.state === 'failed')).to.equal(true);
  });

  it('when a filter is malformed, then invalid_request names it', async () => {
    for (const query of ['state=ringing', 'since=yesterday', 'format=xml', `ref=${'x'.repeat(33)}`]) {
      const response = await relay.admin('GET', `/admin/v1/accounts/${accountId}/requests?${query}`);
      expect(response.status, query).to.equal(400);
      expect(response.body.error.code).to.equal('invalid_request');
    }
  });

  it('when 100,000 requests are exported, then every row arrives once, in time order, and the API holds no more than a page in memory', async () => {
    const redis = testRedis();
    const store = new StatusStore(redis, relay.config.redisPrefix, 3600, 0, relay.shards);
    const create = await relay.admin('POST', '/admin/v1/accounts', { name: 'bulk' });
    const account = create.body.account.id as string;
    // Ids of the account's shard, as the API makes them: on a Cluster the whole history is in one slot.
    const shard = relay.shards.ofAccount(account);
    const total = 100_000;
    const start = Date.now() - total * 10;
    try {
      // Written straight to Redis in the admission script's layout (1,000 per pipeline): the API is what is measured.
      for (let batch = 0; batch < total; batch += 1000) {
        const pipeline = redis.pipeline();
        for (let i = batch; i < batch + 1000; i++) {
          const id = relay.shards.newRequestId(shard);
          // Many share a millisecond, so paging must not lose or repeat ids at page edges.
          const at = start + Math.floor(i / 3) * 10;
          let doc = createQueued({ requestId: id, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: { dial_first: '1001', dial_second: '5550100', dial_as: '1001', pbx: 'asterisk', page: `https://shop.example/item/${i}`, ref: `r${i}` } }, at);
          doc = markProgress(markProgress(markAccepted(markDispatching(doc, 'asterisk', { Action: 'Originate', Channel: 'Local/1001@from-internal', padding: 'x'.repeat(600) }, at), {}, at), { event: 'connected', leg: 2 }, at), { event: 'completed' }, at + 42_000);
          pipeline.set(store.key(id), store.encodeNew(account, doc), 'EX', 3600).zadd(store.historyKey(account), at, id);
        }
        await pipeline.exec();
      }

      // What the process retains (heap after a full collection) while the export is under way.
      const retained = () => {
        gc();
        return process.memoryUsage().heapUsed;
      };
      const before = retained();
      let peak = before;
      const response = await fetch(`${relay.base}/admin/v1/accounts/${account}/requests?format=ndjson`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      let rows = 0;
      let last = Infinity;
      let ordered = true;
      const ids = new Set<string>();
      let rest = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = rest + decoder.decode(chunk, { stream: true });
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const row = JSON.parse(line) as { request_id: string; 'utc.time': string; duration: number };
          rows += 1;
          ids.add(row.request_id);
          if (Number(row['utc.time']) > last) ordered = false;
          last = Number(row['utc.time']);
          if (rows === 1) expect(row.duration).to.equal(42);
          if (rows % 10_000 === 0) peak = Math.max(peak, retained());
        }
      }
      expect(rows).to.equal(total);
      expect(ids.size).to.equal(total);
      expect(ordered, 'newest first').to.equal(true);
      // The documents alone are over 100 MB once parsed; a streaming export retains a page of them.
      expect(peak - before, `retained heap grew by ${Math.round((peak - before) / 1e6)} MB`).to.be.below(20e6);
    } finally {
      redis.disconnect();
    }
  });

  it('when the CLI exports with --format csv, then the rows go to stdout and a progress line to stderr', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/cli/c2c-admin.ts', 'requests', accountId, '--format', 'csv', '--ref', 'crm-2'], {
      env: { ...process.env, ADMIN_TOKEN, C2C_ADMIN_URL: relay.base },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).to.equal(0);
    const lines = stdout.trimEnd().split('\r\n');
    expect(lines[0]).to.match(/^request_id,utc\.time,/);
    expect(lines).to.have.length(2);
    expect(lines[1]).to.contain(',crm-2,accepted,other,');
    expect(stderr).to.contain('exported 2 lines, done');
  });
});

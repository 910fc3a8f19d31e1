/** The README's Node receiver, run as written against the relay: it must verify real deliveries and refuse forged or stale ones. */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, type Relay } from '../support/relay.js';

const SECRET = 'whsec_readme-test-secret-0123456789';

/** The ```js block of the README that starts with `// receiver.mjs`. */
function readmeReceiver(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const match = /```js\n(\/\/ receiver\.mjs[\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error('README has no receiver.mjs snippet');
  return match[1];
}

describe('the README webhook receiver', function () {
  this.timeout(20000);
  let relay: Relay;
  let ami: AmiDouble;
  let child: ChildProcess;
  let dir: string;
  let output = '';
  let port = 0;

  before(async () => {
    relay = await startRelay({ ALLOW_PRIVATE_WEBHOOK_ADDRESSES: 'true' });
    const options = sandboxAmiOptions();
    ami = await startAmiDouble({ ...options, leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 100 } }, timing: { ringMs: 10, holdMs: 100 } });
    dir = mkdtempSync(path.join(tmpdir(), 'c2c-receiver-'));
    writeFileSync(path.join(dir, 'receiver.mjs'), readmeReceiver());
    child = spawn(process.execPath, ['receiver.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', C2C_WEBHOOK_SECRET: SECRET, PORT: '0' } });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    port = Number(await eventually(() => /listening on (\d+)/.exec(output)?.[1] ?? false));
  });
  after(async () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    await relay.stop();
    await ami.close();
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }).then((response) => response.status);
  const sign = (t: number, body: string) => `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;

  it("when the relay delivers a call's events, then the snippet verifies each and sees the whole life in order", async () => {
    const { accountId, apiKey } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' });
    await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, [{ url: `http://127.0.0.1:${port}/c2c`, secret: SECRET, events: ['state_changed'] }]);
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
    const seen = () => output.split('\n').filter((line) => line.startsWith(answer.request_id)).map((line) => line.split(' ')[1]);
    await eventually(() => expect(seen()).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']), { timeoutMs: 10000 });
    const deliveries = (await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks/deliveries`)).body.deliveries;
    expect(deliveries.map((delivery: { http_status: number }) => delivery.http_status)).to.deep.equal(Array(6).fill(204));
  });

  it('when a delivery is stale, forged or a repeat, then the snippet refuses it or handles it once', async () => {
    const body = JSON.stringify({ id: 'evt_readme_1', type: 'call.state_changed', request_id: 'readme-check', state: 'queued', event: { 'utc.time': '1', event: 'queued' }, 'utc.time': '1' });
    const now = Math.floor(Date.now() / 1000);
    expect(await post(body, { 'c2c-webhook-id': 'evt_readme_1', 'c2c-signature': sign(now - 301, body) }), 'signed over 5 minutes ago').to.equal(400);
    expect(await post(body.replace('queued', 'completed'), { 'c2c-webhook-id': 'evt_readme_1', 'c2c-signature': sign(now, body) }), 'body changed').to.equal(400);
    expect(await post(body, { 'c2c-webhook-id': 'evt_readme_1', 'c2c-signature': `t=${now},v1=${'0'.repeat(64)}` }), 'wrong signature').to.equal(400);
    expect(await post(body, { 'c2c-webhook-id': 'evt_readme_1' }), 'unsigned').to.equal(400);
    expect(await post(body, { 'c2c-webhook-id': 'evt_readme_1', 'c2c-signature': sign(now - 10, body) })).to.equal(204);
    expect(await post(body, { 'c2c-webhook-id': 'evt_readme_1', 'c2c-signature': sign(now, body) }), 'a repeat is acknowledged').to.equal(204);
    expect(output.split('\n').filter((line) => line.startsWith('readme-check'))).to.deep.equal(['readme-check queued']);
  });
});

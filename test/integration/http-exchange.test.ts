import { expect } from 'chai';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnswerTooLarge, DeadlinePassed, exchange, type ExchangeRequest } from '../../worker/pbx/http/http-exchange.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

describe('PBX HTTP exchange (Node client, real server on port 0)', () => {
  let server: http.Server;
  let base: string;
  let handler: Handler = (_req, res) => res.end('ok');
  const agent = new http.Agent({ keepAlive: true });

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => handler(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const send = (overrides: Partial<ExchangeRequest> = {}, path = '/call') =>
    exchange(new URL(`${base}${path}`), { method: 'GET', headers: {}, agent, maxResponseBytes: 1024, timeoutMs: 2000, ...overrides });

  it('when the PBX answers, then its status, lower-case headers and UTF-8 text come back, and the body went with its length', async () => {
    let seen: { headers: http.IncomingHttpHeaders; body: string; url: string | undefined } | undefined;
    handler = (req, res, body) => {
      seen = { headers: req.headers, body, url: req.url };
      res.writeHead(201, { 'X-Call': 'abc', 'Content-Type': 'text/plain; charset=utf-8' }).end('angenommen – ok');
    };
    const answer = await send({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"to":"5550100","név":"é"}' }, '/call?x=1');
    expect(answer.status).to.equal(201);
    expect(answer.headers['x-call']).to.equal('abc');
    expect(answer.body).to.equal('angenommen – ok');
    expect(seen?.url).to.equal('/call?x=1');
    expect(seen?.body).to.equal('{"to":"5550100","név":"é"}');
    expect(seen?.headers['content-length']).to.equal(String(Buffer.byteLength('{"to":"5550100","név":"é"}')));
    expect(seen?.headers).to.not.have.property('accept-encoding');
  });

  it('when a redirect is answered, then it is returned as it is and not followed', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests += 1;
      res.writeHead(302, { Location: `${base}/elsewhere` }).end();
    };
    const answer = await send();
    expect(answer.status).to.equal(302);
    expect(requests).to.equal(1);
  });

  it('when the answer declares a length over the cap, then AnswerTooLarge without reading it', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Length': '5000' }).end('x'.repeat(5000));
    const failure = await send().catch((err: unknown) => err);
    expect(failure).to.be.instanceOf(AnswerTooLarge);
  });

  it('when a chunked answer grows over the cap, then AnswerTooLarge', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 10; i += 1) res.write('y'.repeat(200));
      res.end();
    };
    const failure = await send().catch((err: unknown) => err);
    expect(failure).to.be.instanceOf(AnswerTooLarge);
  });

  it('when an answer of exactly the cap arrives, then it is read whole', async () => {
    handler = (_req, res) => res.end('z'.repeat(1024));
    expect((await send()).body).to.have.length(1024);
  });

  it('when the connection drops in the middle of the answer, then an aborted error, not a short body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '500' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const failure = await send().catch((err: unknown) => err);
    expect(failure).to.be.instanceOf(Error).and.not.instanceOf(AnswerTooLarge);
    expect((failure as Error).message).to.match(/aborted/i);
  });

  it('when no answer comes within the deadline, then DeadlinePassed, also when the answer stalls halfway', async () => {
    handler = () => undefined;
    expect(await send({ timeoutMs: 100 }).catch((err: unknown) => err)).to.be.instanceOf(DeadlinePassed);
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '500' });
      res.write('half');
    };
    expect(await send({ timeoutMs: 100 }).catch((err: unknown) => err)).to.be.instanceOf(DeadlinePassed);
  });

  it('when nothing listens, then the socket error comes back as it is (for the failure rule to word)', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await exchange(new URL(`http://127.0.0.1:${port}/`), { method: 'GET', headers: {}, agent, maxResponseBytes: 10, timeoutMs: 2000 }).catch((err: unknown) => err);
    expect((failure as { code?: string }).code).to.equal('ECONNREFUSED');
  });
});

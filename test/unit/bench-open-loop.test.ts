import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openLoop } from '../../scripts/bench/open-loop.js';

/** A real HTTP server on port 0 answering every request with `answer`. */
async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; seen: http.IncomingMessage[]; close: () => Promise<void> }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/click2call?api_key=k&dial_first=1`,
    seen,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

describe('bench open-loop generator', () => {
  it('when the server answers with Content-Length, then every request is measured once, with its path, query and headers, on kept-alive sockets', async () => {
    // As the relay's hot lane and Express answer: headers set, then one end() (Node adds Content-Length).
    const server = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"response":{"status":"success"}}');
    });
    try {
      const result = await openLoop({ url: server.url, headers: { 'x-api-key': 'secret' }, rate: 400, durationSeconds: 0.25, maxSockets: 8 });
      expect(result.errors).to.equal(0);
      expect(server.seen).to.have.length(100);
      expect(server.seen[0]?.url).to.equal('/v1/click2call?api_key=k&dial_first=1');
      expect(server.seen[0]?.headers['x-api-key']).to.equal('secret');
      expect(new Set(server.seen.map((req) => req.socket.remotePort)).size).to.be.at.most(8);
      expect(result.p50).to.be.greaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('when answers are not 2xx, or come without Content-Length, then they count as errors', async () => {
    const refusing = await serve((_req, res) => res.writeHead(503, { 'content-length': 2 }).end('no'));
    const chunked = await serve((_req, res) => {
      res.write('{"a":');
      res.end('1}');
    });
    try {
      const refused = await openLoop({ url: refusing.url, headers: {}, rate: 200, durationSeconds: 0.1, maxSockets: 4 });
      expect(refused).to.include({ errors: 20, p99: 0 });
      const unframed = await openLoop({ url: chunked.url, headers: {}, rate: 200, durationSeconds: 0.1, maxSockets: 4 });
      expect(unframed.errors).to.equal(20);
    } finally {
      await refusing.close();
      await chunked.close();
    }
  });

  it('when every socket is busy, then a request waits for one and its wait counts in its latency', async () => {
    // One socket, a server that takes 20 ms: ten requests due 1 ms apart are answered one after another.
    const slow = await serve((_req, res) => setTimeout(() => res.writeHead(200, { 'content-length': 2 }).end('ok'), 20));
    try {
      const result = await openLoop({ url: slow.url, headers: {}, rate: 1000, durationSeconds: 0.01, maxSockets: 1 });
      expect(result.errors).to.equal(0);
      expect(new Set(slow.seen.map((req) => req.socket.remotePort)).size).to.equal(1);
      // The last one waited for the nine before it: about 10 × 20 ms less the 9 ms it was due later.
      expect(result.p99).to.be.greaterThan(150);
    } finally {
      await slow.close();
    }
  });

  it('when the server closes a connection before answering, then that request is an error and the rest go on', async () => {
    let count = 0;
    const flaky = await serve((req, res) => {
      if (++count === 3) return void req.socket.destroy();
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    try {
      const result = await openLoop({ url: flaky.url, headers: {}, rate: 200, durationSeconds: 0.1, maxSockets: 2 });
      expect(result.errors).to.equal(1);
      expect(flaky.seen).to.have.length(20);
    } finally {
      await flaky.close();
    }
  });
});

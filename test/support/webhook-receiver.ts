import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  atMs: number;
}

/** What the receiver does with the n-th request (0-based): answer a status (or redirect), never answer, or answer 200 with a body that never ends. */
export type Reaction = { status: number; location?: string } | 'hang' | 'endless';

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedDelivery[];
  /** The JSON bodies received, parsed. */
  events(): any[];
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1, port 0, that records every request and reacts as told. */
export async function startWebhookReceiver(react: (request: ReceivedDelivery, index: number) => Reaction = () => ({ status: 204 })): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const delivery = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now() };
      received.push(delivery);
      const reaction = react(delivery, received.length - 1);
      if (reaction === 'hang') return;
      if (reaction === 'endless') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = 'x'.repeat(16 * 1024);
        const pump = setInterval(() => res.write(chunk), 1);
        res.on('close', () => clearInterval(pump));
        return;
      }
      res.writeHead(reaction.status, reaction.location === undefined ? {} : { location: reaction.location }).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/c2c`,
    port,
    received,
    events: () => received.map((delivery) => JSON.parse(delivery.body)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

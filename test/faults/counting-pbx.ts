/**
 * An HTTP PBX for the `other` driver that counts the call requests it receives per request id (the
 * URL template carries `{request_id}`), so a fault test can prove that nothing was dialed twice.
 * Its behaviour can change while calls are in flight: answer after a delay, never answer, or drop
 * the connection once the request has arrived.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type PbxBehaviour =
  | { kind: 'answer'; minDelayMs: number; maxDelayMs: number }
  /** Takes the request and never replies (a hung PBX). */
  | { kind: 'hang' }
  /** Takes the request, then closes the connection without a reply. */
  | { kind: 'drop' };

const CALL_PATH = /^\/call\/([0-9a-f-]{36})(?:\?|$)/;

export class CountingPbx {
  private readonly received = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private behaviour: PbxBehaviour = { kind: 'answer', minDelayMs: 0, maxDelayMs: 0 };
  private open = 0;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<CountingPbx> {
    const server = http.createServer();
    const pbx = new CountingPbx(server);
    server.on('request', (req, res) => pbx.handle(req, res));
    server.on('connection', (socket) => {
      pbx.sockets.add(socket);
      socket.once('close', () => pbx.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return pbx;
  }

  /** The `url` setting of the account's `other` connection. */
  get urlTemplate(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/call/{request_id}?to={dial_second}`;
  }

  behave(behaviour: PbxBehaviour): void {
    this.behaviour = behaviour;
  }

  /** How many call requests arrived for this request id. */
  count(requestId: string): number {
    return this.received.get(requestId) ?? 0;
  }

  ids(): string[] {
    return [...this.received.keys()];
  }

  /** Call requests received and not yet answered. */
  inFlight(): number {
    return this.open;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const id = CALL_PATH.exec(req.url ?? '')?.[1];
    if (req.method === 'HEAD' || id === undefined) {
      res.writeHead(id === undefined && req.method !== 'HEAD' ? 404 : 200).end();
      return;
    }
    this.received.set(id, this.count(id) + 1);
    this.open += 1;
    let answered = false;
    const done = () => {
      if (answered) return;
      answered = true;
      this.open -= 1;
    };
    res.once('close', done);
    const behaviour = this.behaviour;
    req.resume();
    switch (behaviour.kind) {
      case 'answer': {
        const delay = behaviour.minDelayMs + Math.random() * (behaviour.maxDelayMs - behaviour.minDelayMs);
        const timer = setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ result: 'queued', id })), delay);
        res.once('close', () => clearTimeout(timer));
        return;
      }
      case 'hang':
        return;
      case 'drop':
        req.socket.destroy();
        return;
    }
  }
}

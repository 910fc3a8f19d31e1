/** A bare TCP client for poking the AMI double byte by byte in tests. */
import net from 'node:net';
import { type AmiMessage, AmiStreamParser, headerValue } from '../../../worker/pbx/asterisk/ami-codec.js';
import { eventually } from '../../support/eventually.js';

export interface RawAmiClient {
  /** Everything received so far, as text. */
  text(): string;
  /** Everything received so far, parsed (the banner excluded). */
  messages(): AmiMessage[];
  send(text: string): void;
  /** Waits for a reply or event carrying this ActionID (optionally of one Event type). */
  waitFor(actionId: string, event?: string): Promise<AmiMessage>;
  closed(): boolean;
  /** Sends a plain Login and waits for its reply. */
  login(username: string, secret: string, events?: string): Promise<AmiMessage>;
  close(): void;
}

export async function connectRaw(port: number, host = '127.0.0.1'): Promise<RawAmiClient> {
  const socket = net.connect({ port, host });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  const parser = new AmiStreamParser({ banner: true });
  const parsed: AmiMessage[] = [];
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    parsed.push(...parser.feed(chunk));
  });
  socket.on('close', () => {
    isClosed = true;
  });
  socket.on('error', () => undefined);
  let counter = 0;

  const client: RawAmiClient = {
    text: () => Buffer.concat(chunks).toString('utf8'),
    messages: () => [...parsed],
    send: (text) => void socket.write(text),
    waitFor: (actionId, event) =>
      eventually(() => {
        const found = parsed.find(
          (m) => headerValue(m, 'ActionID') === actionId && (event === undefined || headerValue(m, 'Event') === event),
        );
        if (!found) throw new Error(`no message for ${actionId}${event ? ` (${event})` : ''}`);
        return found;
      }),
    closed: () => isClosed,
    async login(username, secret, events) {
      const id = `raw-login-${++counter}`;
      const eventsLine = events === undefined ? '' : `Events: ${events}\r\n`;
      socket.write(`Action: Login\r\nActionID: ${id}\r\nUsername: ${username}\r\nSecret: ${secret}\r\n${eventsLine}\r\n`);
      return client.waitFor(id);
    },
    close: () => socket.destroy(),
  };
  return client;
}

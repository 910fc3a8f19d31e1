/**
 * One authenticated AMI session over TCP or TLS: banner check, login, ActionID correlation, list
 * replies, per-action timeouts, Ping keep-alive and reconnect with backoff. It only moves bytes;
 * what the messages mean is the driver's business.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors.js';
import {
  type AmiHeader,
  type AmiMessage,
  AmiStreamParser,
  encodeAction,
  headerValue,
} from './ami-codec.js';
import { amiLogin } from './ami-login.js';
import { openAmiSocket } from './ami-socket.js';

export interface AmiConnectionOptions {
  host: string;
  port: number;
  tls: boolean;
  caPem?: string;
  /** ALLOW_PRIVATE_PBX_ADDRESSES: without it the host must not be loopback, link-local or private. */
  allowPrivateAddresses: boolean;
  username: string;
  secret: string;
  logger: Logger;
  actionTimeoutMs?: number;
  connectTimeoutMs?: number;
  pingIntervalMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
}

/** A reply; `items` holds the list events of a multi-message reply (§2.6), empty otherwise. */
export interface AmiReply {
  response: AmiMessage;
  items: AmiMessage[];
}

interface Pending {
  resolve(reply: AmiReply): void;
  reject(err: AppError): void;
  timer: NodeJS.Timeout;
  listStart?: AmiMessage;
  items: AmiMessage[];
}

type State = 'idle' | 'connecting' | 'ready' | 'closed';

const lost = () => new AppError('pbx_unreachable', 'The connection to the PBX was lost before it answered.');
// An action already written whose answer never came: the PBX may have carried it out.
const unanswered = (message: string) => new AppError('pbx_unreachable', message, { outcomeUnknown: true });

export class AmiConnection {
  private state: State = 'idle';
  private socket: net.Socket | undefined;
  private attemptPromise: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(event: AmiMessage) => void>();
  private readonly lostListeners = new Set<() => void>();
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private everConnected = false;
  private bannerLine: string | undefined;
  private readonly o: Required<Omit<AmiConnectionOptions, 'caPem'>> & { caPem?: string };

  constructor(options: AmiConnectionOptions) {
    this.o = {
      ...options,
      actionTimeoutMs: options.actionTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      pingIntervalMs: options.pingIntervalMs ?? 20_000,
      reconnectInitialMs: options.reconnectInitialMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
    };
  }

  get banner(): string | undefined {
    return this.bannerLine;
  }

  get connected(): boolean {
    return this.state === 'ready';
  }

  /** Subscribes to unsolicited events; returns the unsubscribe function. */
  onEvent(listener: (event: AmiMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when a logged-in connection drops: events sent meanwhile are lost for good. */
  onLost(listener: () => void): void {
    this.lostListeners.add(listener);
  }

  /** Resolves once logged in, connecting (or joining a connection attempt) if needed. */
  async ready(): Promise<void> {
    if (this.state === 'closed') throw new AppError('pbx_unreachable', 'The PBX connection is closed.');
    if (this.state === 'ready') return;
    if (!this.attemptPromise) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.attemptPromise = this.attempt().finally(() => {
        this.attemptPromise = undefined;
      });
    }
    return this.attemptPromise;
  }

  /**
   * Sends one action and resolves with its reply. The headers are validated (and rejected) before
   * anything is written; an `ActionID` is added unless the caller chose one.
   */
  async send(headers: readonly AmiHeader[], options: { timeoutMs?: number } = {}): Promise<AmiReply> {
    const withId = withActionId(headers);
    let bytes: string;
    try {
      bytes = encodeAction(withId.headers);
    } catch (err) {
      throw new AppError('invalid_request', 'A value is not safe to send to the PBX.', { cause: err });
    }
    await this.ready();
    return this.write(withId.actionId, bytes, options.timeoutMs ?? this.o.actionTimeoutMs);
  }

  /** Logs off, closes the socket and stops every timer. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const socket = this.state === 'ready' ? this.socket : undefined;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    if (socket) {
      const { actionId, headers } = withActionId([['Action', 'Logoff']]);
      await this.write(actionId, encodeAction(headers), 1000).catch(() => undefined);
    }
    this.rejectAll(unanswered('The PBX connection was closed before the PBX answered.'));
    const current = this.socket;
    if (current && !current.destroyed) {
      await new Promise<void>((resolve) => {
        current.once('close', () => resolve());
        current.destroy();
      });
    }
  }

  private write(actionId: string, bytes: string, timeoutMs: number): Promise<AmiReply> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(lost());
    if (this.pending.has(actionId)) return Promise.reject(new AppError('internal_error', 'Duplicate ActionID.'));
    return new Promise<AmiReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(actionId);
        reject(new AppError('pbx_timeout', undefined, { outcomeUnknown: true }));
      }, timeoutMs);
      this.pending.set(actionId, { resolve, reject, timer, items: [] });
      socket.write(bytes);
    });
  }

  private async attempt(): Promise<void> {
    this.state = 'connecting';
    let socket: net.Socket | undefined;
    try {
      socket = await openAmiSocket(this.o, this.o.connectTimeoutMs);
      const banner = await this.attach(socket);
      await amiLogin((headers) => this.raw(headers), this.o);
      if (this.isClosed()) throw new AppError('pbx_unreachable', 'The PBX connection is closed.');
      this.bannerLine = banner;
      this.state = 'ready';
      this.everConnected = true;
      this.failures = 0;
      this.startPing();
      this.o.logger.info({ host: this.o.host, port: this.o.port }, 'ami connected');
    } catch (err) {
      socket?.destroy();
      if (!this.isClosed()) {
        this.state = 'idle';
        if (this.everConnected) this.scheduleReconnect();
      }
      throw err instanceof AppError ? err : new AppError('pbx_unreachable', undefined, { cause: err });
    }
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Wires a fresh socket to the parser and waits for the banner. */
  private attach(socket: net.Socket): Promise<string> {
    this.socket = socket;
    const parser = new AmiStreamParser({ banner: true });
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new AppError('pbx_unreachable', 'The PBX did not send an AMI banner.'));
        socket.destroy();
      }, this.o.connectTimeoutMs);
      socket.on('data', (chunk: Buffer) => {
        let messages: AmiMessage[];
        try {
          messages = parser.feed(chunk);
        } catch (err) {
          clearTimeout(timer);
          reject(new AppError('pbx_unreachable', 'The peer does not speak AMI.', { cause: err }));
          socket.destroy();
          return;
        }
        if (parser.banner !== undefined) {
          clearTimeout(timer);
          resolve(parser.banner);
        }
        for (const message of messages) this.dispatch(message);
      });
      socket.on('error', (err) => this.o.logger.debug({ err: err.message }, 'ami socket error'));
      socket.on('close', () => {
        clearTimeout(timer);
        reject(new AppError('pbx_unreachable', 'The PBX closed the connection.'));
        this.onClose(socket);
      });
    });
  }

  /** Sends on the socket being set up, bypassing `ready()`. */
  private raw(headers: AmiHeader[]): Promise<AmiReply> {
    const { actionId, headers: full } = withActionId(headers);
    return this.write(actionId, encodeAction(full), this.o.actionTimeoutMs);
  }

  private dispatch(message: AmiMessage): void {
    const event = headerValue(message, 'Event');
    // AuthDetail carries the endpoint's SIP password in clear: it must go nowhere (§4.1).
    if (event?.toLowerCase() === 'authdetail') return;
    const actionId = headerValue(message, 'ActionID');
    const pending = actionId === undefined ? undefined : this.pending.get(actionId);
    // A reply starts with `Response:`; OriginateResponse events carry a `Response:` field too.
    if (message.headers[0]?.[0].toLowerCase() === 'response') {
      if (!pending || actionId === undefined) {
        this.o.logger.debug({ action_id: actionId ?? null }, 'ami reply without a waiting action dropped');
        return;
      }
      const isList = headerValue(message, 'EventList')?.toLowerCase() === 'start';
      if (isList && headerValue(message, 'Response') === 'Success') pending.listStart = message;
      else this.settle(actionId, pending, { response: message, items: [] });
      return;
    }
    if (event === undefined) return;
    if (pending?.listStart && actionId !== undefined) {
      if (headerValue(message, 'EventList')?.toLowerCase() === 'complete') {
        this.settle(actionId, pending, { response: pending.listStart, items: pending.items });
      } else {
        pending.items.push(message);
      }
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (err) {
        this.o.logger.error({ err }, 'ami event listener failed');
      }
    }
  }

  private settle(actionId: string, pending: Pending, reply: AmiReply): void {
    clearTimeout(pending.timer);
    this.pending.delete(actionId);
    pending.resolve(reply);
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    clearInterval(this.pingTimer);
    this.rejectAll(unanswered('The connection to the PBX was lost before it answered.'));
    if (this.state === 'ready') {
      this.state = 'idle';
      this.o.logger.warn({ host: this.o.host, port: this.o.port }, 'ami connection lost');
      this.scheduleReconnect();
      for (const listener of this.lostListeners) listener();
    }
  }

  private rejectAll(err: AppError): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(err);
    }
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed' || this.reconnectTimer !== undefined) return;
    const base = Math.min(this.o.reconnectMaxMs, this.o.reconnectInitialMs * 2 ** this.failures);
    this.failures += 1;
    // Jitter keeps many workers from reconnecting to a restarted PBX in lockstep.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ready().catch((err: unknown) => {
        this.o.logger.warn({ code: err instanceof AppError ? err.code : 'unknown' }, 'ami reconnect failed');
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      const socket = this.socket;
      if (this.state !== 'ready' || !socket) return;
      // A PBX that stops answering Pings is gone even if TCP has not noticed yet.
      this.raw([['Action', 'Ping']]).catch(() => socket.destroy());
    }, this.o.pingIntervalMs);
    this.pingTimer.unref();
  }
}

function withActionId(headers: readonly AmiHeader[]): { actionId: string; headers: AmiHeader[] } {
  const existing = headers.find(([name]) => name.toLowerCase() === 'actionid');
  if (existing) return { actionId: existing[1], headers: [...headers] };
  const actionId = `c2c-${randomUUID()}`;
  const [first, ...rest] = headers;
  return { actionId, headers: first ? [first, ['ActionID', actionId], ...rest] : [] };
}

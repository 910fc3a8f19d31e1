/**
 * One AMI session of the double: records every byte received, processes actions one at a time
 * (a slow action blocks the session, as in Asterisk), and writes events only between replies.
 */
import { createHash, randomInt } from 'node:crypto';
import type net from 'node:net';
import type { AmiDoubleOptions, AmiDoubleUser, OutputHooks } from './ami-double-options.js';
import { ClientInputParser, type ClientMessage, get } from './client-input.js';
import type { Dialplan } from './dialplan.js';
import type { BurstStep } from './event-order.js';
import type { EventBuilder } from './events.js';
import type { PhoneDevices } from './phone-devices.js';
import type { QueueModel } from './queues.js';
import type { ReceivedCall } from './received-call.js';
import { errorReply, formatMessage, type Header, reply } from './wire.js';

/** What a session and the action handlers need from the double. */
export interface DoubleCore {
  options: AmiDoubleOptions;
  events: EventBuilder;
  dialplan: Dialplan;
  /** app_queue's queues, and the device state of the phones calls ring, which they follow. */
  queues: QueueModel;
  phones: PhoneDevices;
  answering: boolean;
  /** Whether what was received is kept for the test to read (`AmiDoubleOptions.keepRecords`, default true). */
  keepRecords: boolean;
  output: OutputHooks;
  broadcast(headers: Header[], eventClass: string): void;
  /** Broadcasts a burst of call events, shuffled within the limits of event-order.ts when asked. */
  emit(steps: BurstStep[]): void;
  /** Broadcasts call events in exactly this order (the transcripts show no variation there). */
  emitInOrder(events: Header[][]): void;
  delay(ms: number): Promise<void>;
  nextUniqueid(): string;
  nextSuffix(): string;
  recordAction(session: AmiSession, headers: Header[]): void;
  /** Keeps what the legs of an originated call receive; the simulation fills it in as the call goes. */
  recordCall(call: ReceivedCall): ReceivedCall;
  /** The call is over: nothing more will be added to it. */
  callEnded(call: ReceivedCall): void;
}

export interface ActionContext {
  session: AmiSession;
  core: DoubleCore;
  headers: Header[];
  actionId: string | undefined;
}

export interface ActionHandler {
  /** Write classes of which the user needs one; undefined = no permission needed. */
  classes?: string[];
  /** Allowed before login (Login, Logoff, Challenge). */
  beforeLogin?: boolean;
  run(ctx: ActionContext): Promise<void> | void;
}

const EVENT_BITS = ['system', 'call', 'log', 'verbose', 'command', 'agent', 'user', 'config', 'dtmf', 'reporting', 'cdr', 'dialplan', 'originate', 'agi', 'cc', 'aoc', 'test', 'security', 'message'];

function classesOf(list: string[] | undefined): Set<string> {
  const set = new Set((list ?? []).map((c) => c.trim().toLowerCase()));
  return set.has('all') ? new Set(EVENT_BITS) : set;
}

/** The `Events` login header / `EventMask`, AND-ed with the user's read classes (§2.4). */
export function eventMask(value: string | undefined, user: AmiDoubleUser): Set<string> | undefined {
  const read = classesOf(user.read ?? ['all']);
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'on') return read;
  if (v === 'off') return new Set();
  const wanted = /^\d+$/.test(v)
    ? new Set(EVENT_BITS.filter((_, bit) => (Number(v) >> bit) & 1))
    : classesOf(v.split(','));
  if (wanted.size === 0) return undefined;
  return new Set([...wanted].filter((c) => read.has(c)));
}

export class AmiSession {
  readonly received: Buffer[] = [];
  authenticated = false;
  user: AmiDoubleUser | undefined;
  mask = new Set<string>();
  private filters: { allow: RegExp[]; deny: RegExp[] } = { allow: [], deny: [] };
  challenge: string | undefined;
  private readonly parser = new ClientInputParser();
  private readonly queue: ClientMessage[] = [];
  private processing = false;
  private closing = false;
  private busy = false;
  private pendingEvents: string[] = [];
  private out: Promise<void> = Promise.resolve();
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    private readonly core: DoubleCore,
    private readonly handlers: Record<string, ActionHandler>,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.authTimer = setTimeout(() => this.socket.destroy(), core.options.authTimeoutMs ?? 30_000);
    this.authTimer.unref();
    socket.on('close', () => clearTimeout(this.authTimer));
    this.write(`Asterisk Call Manager/${core.options.bannerVersion ?? '11.0.0'}\r\n`);
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  login(user: AmiDoubleUser, mask: Set<string>): void {
    this.authenticated = true;
    this.user = user;
    this.mask = mask;
    const filters = user.eventFilters ?? [];
    this.filters = {
      allow: filters.filter((f) => !f.startsWith('!')).map((f) => new RegExp(f)),
      deny: filters.filter((f) => f.startsWith('!')).map((f) => new RegExp(f.slice(1))),
    };
    clearTimeout(this.authTimer);
  }

  md5Matches(key: string | undefined, secret: string): boolean {
    if (this.challenge === undefined || key === undefined) return false;
    return createHash('md5').update(this.challenge + secret).digest('hex') === key.toLowerCase();
  }

  newChallenge(): string {
    this.challenge = String(randomInt(100_000_000, 999_999_999));
    return this.challenge;
  }

  /** Writes reply messages; callers write a whole (list) reply with one call. */
  send(...messages: Header[][]): void {
    this.write(messages.map(formatMessage).join(''));
  }

  /** Events reach only logged-in sessions whose mask has the class, never inside a reply. */
  deliver(text: string, eventClass: string): void {
    if (!this.authenticated || !this.mask.has(eventClass)) return;
    const { allow, deny } = this.filters;
    if (allow.length > 0 && !allow.some((filter) => filter.test(text))) return;
    if (deny.some((filter) => filter.test(text))) return;
    if (this.busy) this.pendingEvents.push(text);
    else this.write(text);
  }

  /**
   * Messages produced in the same turn (the events of one call step) leave in one write. The bytes
   * are the same: how a stream is split into writes is not part of AMI, and the chunkSize hook
   * proves readers cope with any split.
   */
  private corkUntilNextTick(): void {
    if (this.socket.writableCorked > 0) return;
    this.socket.cork();
    process.nextTick(() => this.socket.uncork());
  }

  /** Raw bytes, for hooks that break the grammar on purpose. */
  write(text: string): void {
    const chunkSize = this.core.output.chunkSize;
    this.out = this.out.then(async () => {
      if (this.socket.destroyed) return;
      if (this.core.output.coalesce) await new Promise((resolve) => setImmediate(resolve));
      if (!chunkSize) {
        this.corkUntilNextTick();
        this.socket.write(text);
        return;
      }
      const bytes = Buffer.from(text, 'utf8');
      for (let i = 0; i < bytes.length && !this.socket.destroyed; i += chunkSize) {
        this.socket.write(bytes.subarray(i, i + chunkSize));
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
  }

  /** Closes after everything queued so far has been written. */
  end(): void {
    this.closing = true;
    this.out = this.out.then(() => {
      this.socket.end();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.core.keepRecords) this.received.push(chunk);
    this.queue.push(...this.parser.feed(chunk));
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    for (let message = this.queue.shift(); message; message = this.queue.shift()) {
      if (!this.open || this.closing) break;
      this.busy = true;
      await this.handle(message);
      this.busy = false;
      const events = this.pendingEvents;
      this.pendingEvents = [];
      for (const text of events) this.write(text);
    }
    this.processing = false;
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (!this.core.answering) return;
    const { headers } = message;
    const actionId = get(headers, 'ActionID');
    if (message.parseError) return this.send(errorReply(actionId, message.parseError));
    const action = get(headers, 'Action');
    if (!action) return this.send(errorReply(actionId, 'Missing action in request'));
    const handler = this.handlers[action.toLowerCase()];
    if (!this.authenticated && !handler?.beforeLogin) return this.send(errorReply(actionId, 'Permission denied'));
    if (!handler) {
      const text = `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`;
      return this.send(errorReply(actionId, text));
    }
    const write = classesOf(this.user?.write ?? ['all']);
    if (handler.classes && !handler.classes.some((c) => write.has(c))) {
      return this.send(errorReply(actionId, 'Permission denied'));
    }
    this.core.recordAction(this, headers);
    await handler.run({ session: this, core: this.core, headers, actionId });
    if (this.core.output.strayEmptyLine) this.write('\r\n');
  }
}

/** Login, Logoff, Challenge, Ping, Events (§2.4). */
export const sessionHandlers: Record<string, ActionHandler> = {
  login: {
    beforeLogin: true,
    async run({ session, core, headers, actionId }) {
      if (session.authenticated) return session.send(reply('Success', actionId, [['Message', 'Already authenticated']]));
      const username = get(headers, 'Username') ?? '';
      const user = Object.hasOwn(core.options.users ?? {}, username) ? core.options.users?.[username] : undefined;
      const md5 = (get(headers, 'AuthType') ?? '').toLowerCase() === 'md5';
      const ok = user !== undefined && (md5 ? session.md5Matches(get(headers, 'Key'), user.secret) : get(headers, 'Secret') === user.secret);
      const mask = user === undefined ? undefined : eventMask(get(headers, 'Events'), user);
      if (!ok || user === undefined) {
        await core.delay(core.options.loginFailureDelayMs ?? 1000);
        session.send(errorReply(actionId, 'Authentication failed'));
        session.end();
        return;
      }
      session.login(user, mask ?? new Set());
      session.send(reply('Success', actionId, [['Message', 'Authentication accepted']]));
      if (session.mask.has('system')) session.deliver(formatMessage(core.events.fullyBooted()), 'system');
    },
  },
  logoff: {
    beforeLogin: true,
    run({ session, actionId }) {
      session.send(reply('Goodbye', actionId, [['Message', 'Thanks for all the fish.']]));
      session.end();
    },
  },
  challenge: {
    beforeLogin: true,
    run({ session, core, headers, actionId }) {
      if (core.options.refuseMd5Challenge || (get(headers, 'AuthType') ?? '').toLowerCase() !== 'md5') {
        return session.send(errorReply(actionId, 'Must specify AuthType'));
      }
      session.send(reply('Success', actionId, [['Challenge', session.newChallenge()]]));
    },
  },
  ping: {
    run({ session, actionId }) {
      const now = Date.now() * 1000;
      const stamp = `${Math.floor(now / 1e6)}.${String(now % 1e6).padStart(6, '0')}`;
      session.send(reply('Success', actionId, [['Ping', 'Pong'], ['Timestamp', stamp]]));
    },
  },
  events: {
    run({ session, headers, actionId }) {
      const mask = session.user ? eventMask(get(headers, 'EventMask'), session.user) : undefined;
      if (!mask) return session.send(errorReply(actionId, 'Invalid event mask'));
      session.mask = mask;
      session.send(reply('Success', actionId, [['Events', mask.size > 0 ? 'On' : 'Off']]));
    },
  },
};

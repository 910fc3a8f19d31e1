/**
 * A wire-faithful Asterisk Manager Interface double (asterisk-ami.md §9): real TCP (and optional
 * TLS) on 127.0.0.1, the banner, the parser quirks, auth with its 1 s failure delay and close,
 * per-class permissions, Originate with its validation strings, scripted call outcomes and the
 * events they cause, lookups, and hooks for hostile-but-legal server behaviour.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { AmiDoubleOptions, DoubleQueueMember, OutputHooks } from './ami-double-options.js';
import { type ActionHandler, AmiSession, type DoubleCore, sessionHandlers } from './ami-session.js';
import { Dialplan } from './dialplan.js';
import { lookupHandlers } from './lookups.js';
import { originateHandler, type ReceivedOriginate } from './originate.js';
import { PhoneDevices } from './phone-devices.js';
import { queueHandlers } from './queue-actions.js';
import { type QueueMemberView, QueueModel } from './queues.js';
import { orderBurst, seededRandom } from './event-order.js';
import { EventBuilder } from './events.js';
import { formatMessage, type Header } from './wire.js';
import { FREEPBX_DIALPLAN } from './ami-double-options.js';

import type { ReceivedCall } from './received-call.js';

export type { ReceivedOriginate } from './originate.js';
export type { LegReceived, ReceivedCall } from './received-call.js';
export type { QueueMemberView } from './queues.js';

export interface ReceivedAction {
  sessionId: number;
  headers: Header[];
}

export interface AmiDouble {
  host: string;
  port: number;
  /** Set when `options.tls` was given. */
  tlsPort: number | undefined;
  /** Every byte each session received, in order (latin1, so one char per byte). */
  received(): string[];
  /** Every action that passed the login/permission gate, parsed. */
  actions(): ReceivedAction[];
  /** Every Originate received (accepted or refused), parsed like Asterisk does. */
  originates(): ReceivedOriginate[];
  /** What each leg of every originated call received (caller IDs, variables, SIP headers, music on hold, ringback, prompts, recording), in Originate order. */
  calls(): ReceivedCall[];
  /** Sessions currently connected, and how many logins succeeded so far. */
  openSessions(): number;
  logins(): number;
  /** A queue member as app_queue holds it now; undefined when it is not logged in to that queue. */
  queueMember(queue: string, iface: string): QueueMemberView | undefined;
  /**
   * Changes a member as a phone or the PBX would, with the events app_queue sends: `loggedIn`
   * (QueueMemberAdded/Removed), `paused`/`pausedReason` (QueueMemberPause), `status` (QueueMemberStatus).
   */
  setQueueMember(queue: string, iface: string, patch: Partial<DoubleQueueMember>): void;
  /** Change the hostile-output hooks while running. */
  setOutput(hooks: OutputHooks): void;
  /** Broadcast an event to every session whose mask has its class (default `call`). */
  injectEvent(headers: Header[], eventClass?: string): void;
  /** Write raw bytes to every logged-in session (quirks, stray empty lines). */
  injectRaw(text: string): void;
  /** Close every client connection at once, as a PBX restart would. */
  dropConnections(): void;
  /** Keep reading (and recording) but never answer, as a hung PBX would. */
  stopAnswering(): void;
  resumeAnswering(): void;
  close(): Promise<void>;
}

export async function startAmiDouble(options: AmiDoubleOptions = {}): Promise<AmiDouble> {
  const host = options.host ?? '127.0.0.1';
  const sessions = new Set<AmiSession>();
  const allSessions: AmiSession[] = [];
  const originates: ReceivedOriginate[] = [];
  const calls: ReceivedCall[] = [];
  const actions: ReceivedAction[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let logins = 0;
  let uniqueSeq = 0;
  let channelSeq = 0x10;
  const prefix = options.systemName === undefined ? '' : `${options.systemName}-`;
  const epoch = Math.floor(Date.now() / 1000);
  const random = options.eventOrder ? seededRandom(options.eventOrder.seed) : undefined;

  const events = new EventBuilder(options.systemName, options.channelVars, options.globals);
  const queues = new QueueModel(options.queues ?? {}, events, (headers, eventClass) => core.broadcast(headers, eventClass));
  const core: DoubleCore = {
    options: { dialplan: FREEPBX_DIALPLAN, ...options },
    events,
    dialplan: new Dialplan(options.dialplan ?? FREEPBX_DIALPLAN),
    queues,
    phones: new PhoneDevices(queues),
    answering: true,
    keepRecords: options.keepRecords !== false,
    output: { ...options.output },
    broadcast(headers, eventClass) {
      const text = formatMessage(headers);
      for (const session of sessions) session.deliver(text, eventClass);
    },
    emit(steps) {
      for (const event of orderBurst(steps, random)) core.broadcast(event, 'call');
    },
    emitInOrder(events) {
      for (const event of events) core.broadcast(event, 'call');
    },
    delay(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      });
    },
    nextUniqueid: () => `${prefix}${epoch}.${uniqueSeq++}`,
    nextSuffix: () => (channelSeq++).toString(16).padStart(8, '0'),
    recordAction(session, headers) {
      if (core.keepRecords) actions.push({ sessionId: session.id, headers });
    },
    recordCall(call) {
      if (core.keepRecords) calls.push(call);
      return call;
    },
    callEnded(call) {
      core.phones.ended(call);
      options.onCallEnd?.(call);
    },
  };

  const handlers: Record<string, ActionHandler> = {
    ...sessionHandlers,
    ...lookupHandlers,
    ...queueHandlers,
    originate: originateHandler((originate) => {
      if (core.keepRecords) originates.push(originate);
    }),
  };
  const countingLogin = handlers.login;
  if (countingLogin) {
    handlers.login = {
      ...countingLogin,
      async run(ctx) {
        const before = ctx.session.authenticated;
        await countingLogin.run(ctx);
        if (!before && ctx.session.authenticated) logins += 1;
      },
    };
  }

  const accept = (socket: net.Socket) => {
    const session = new AmiSession(allSessions.length + 1, socket, core, handlers);
    allSessions.push(session);
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  };

  const plain = net.createServer(accept);
  const port = await listen(plain, host, options.port ?? 0);
  let secure: tls.Server | undefined;
  let tlsPort: number | undefined;
  if (options.tls) {
    secure = tls.createServer({ key: options.tls.key, cert: options.tls.cert }, accept);
    secure.on('tlsClientError', () => undefined);
    tlsPort = await listen(secure, host, options.tls.port ?? 0);
  }

  return {
    host,
    port,
    tlsPort,
    received: () => allSessions.map((s) => Buffer.concat(s.received).toString('latin1')),
    actions: () => [...actions],
    originates: () => [...originates],
    calls: () => [...calls],
    openSessions: () => [...sessions].filter((s) => s.open).length,
    logins: () => logins,
    queueMember: (queue, iface) => queues.member(queue, iface),
    setQueueMember: (queue, iface, patch) => queues.update(queue, iface, patch),
    setOutput(hooks) {
      core.output = { ...hooks };
    },
    injectEvent(headers, eventClass = 'call') {
      core.broadcast(headers, eventClass);
    },
    injectRaw(text) {
      for (const session of sessions) if (session.authenticated) session.write(text);
    },
    dropConnections() {
      for (const session of sessions) session.destroy();
    },
    stopAnswering() {
      core.answering = false;
    },
    resumeAnswering() {
      core.answering = true;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const session of sessions) session.destroy();
      await Promise.all([close(plain), secure ? close(secure) : Promise.resolve()]);
    },
  };
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

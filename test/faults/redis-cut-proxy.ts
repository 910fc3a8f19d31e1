/**
 * A TCP proxy in front of Redis that can lose replies: it forwards every command, lets Redis run it,
 * and then cuts the connection before the reply reaches the client. That is the case a clean Redis
 * restart never produces, and the one that makes ioredis re-send unanswered commands (scripts
 * included) after it reconnects. Replies are matched to commands in order, which holds on every
 * connection except a subscriber's; those are only ever cut at random.
 */
import net, { type AddressInfo } from 'node:net';
import { commandArgs, endOfValue } from './resp.js';

export interface CutRule {
  /** Commands (lower case) whose reply may be lost, e.g. `['evalsha', 'eval']`. */
  commands: string[];
  /** Only commands with an argument containing this text (e.g. `:st:`, the status document keys). */
  argIncludes?: string;
  /** Chance that one matching reply is lost. */
  probability: number;
  /** Stop after this many cuts. */
  max: number;
}

/** The replies of the relay's own scripts (admission, claim, status writes: first key `…:st:<id>`). */
export function statusScriptReplies(probability: number, max: number): CutRule {
  return { commands: ['evalsha', 'eval'], argIncludes: ':st:', probability, max };
}

export interface Cut {
  /** The command whose reply was lost first, with its first arguments. */
  command: string;
  args: string[];
  /** Every command on that connection still waiting for its reply when it was cut. */
  unanswered: number;
}

interface Command {
  name: string;
  args: string[];
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  pending: Command[];
  commands: Buffer;
  replies: Buffer;
  subscribed: boolean;
}

const SUBSCRIBING = new Set(['subscribe', 'psubscribe', 'ssubscribe']);

export class RedisCutProxy {
  readonly cuts: Cut[] = [];
  private readonly links = new Set<Link>();
  private rule: CutRule | undefined;
  private refusing = false;

  private constructor(
    private readonly server: net.Server,
    private readonly upstreamPort: number,
  ) {}

  static async start(upstreamPort: number): Promise<RedisCutProxy> {
    const server = net.createServer();
    const proxy = new RedisCutProxy(server, upstreamPort);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on, lose matching replies (each with `probability`, `max` in all). */
  cutReplies(rule: CutRule): void {
    this.rule = { ...rule };
  }

  stopCutting(): void {
    this.rule = undefined;
  }

  /**
   * Redis is about to die: every connection is closed now, and new ones are closed as they come,
   * until `upstreamBack()`. Without this the relay would learn of the death only when this proxy,
   * in the busy test process, gets round to noticing it and passing it on (hundreds of ms at times),
   * a delay no real network path adds, and one that would lengthen the outage's first answers.
   */
  upstreamDown(): void {
    this.refusing = true;
    for (const link of this.links) this.drop(link);
  }

  /** Redis is being started again: connections are passed through again. */
  upstreamBack(): void {
    this.refusing = false;
  }

  /** Cuts one connection, picked at random among those with a command awaiting its reply. */
  cutSomewhereInFlight(): boolean {
    const busy = [...this.links].filter((link) => link.pending.length > 0 && !link.subscribed);
    const link = busy[Math.floor(Math.random() * busy.length)];
    if (!link) return false;
    const first = link.pending[0] as Command;
    this.cut(link, first);
    return true;
  }

  /** Request ids whose status document key was the first argument of a cut command. */
  cutRequestIds(): string[] {
    return this.cuts.flatMap((cut) => cut.args.join(' ').match(/:st:([0-9a-f-]{36})/)?.slice(1, 2) ?? []);
  }

  async close(): Promise<void> {
    for (const link of this.links) this.drop(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    const link: Link = { client, upstream, pending: [], commands: Buffer.alloc(0), replies: Buffer.alloc(0), subscribed: false };
    this.links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      this.noteCommands(link, chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => this.forwardReplies(link, chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.drop(link));
      socket.on('close', () => this.drop(link));
    }
  }

  private noteCommands(link: Link, chunk: Buffer): void {
    if (link.subscribed) return;
    link.commands = link.commands.length === 0 ? chunk : Buffer.concat([link.commands, chunk]);
    let at = 0;
    for (;;) {
      const end = endOfValue(link.commands, at);
      if (end < 0) break;
      const args = commandArgs(link.commands, at, end);
      const name = (args[0] ?? '').toLowerCase();
      link.pending.push({ name, args });
      if (SUBSCRIBING.has(name)) link.subscribed = true;
      at = end;
    }
    link.commands = link.commands.subarray(at);
  }

  private forwardReplies(link: Link, chunk: Buffer): void {
    if (link.subscribed) {
      link.client.write(chunk);
      return;
    }
    link.replies = link.replies.length === 0 ? chunk : Buffer.concat([link.replies, chunk]);
    let at = 0;
    for (;;) {
      const end = endOfValue(link.replies, at);
      if (end < 0) break;
      const command = link.pending.shift();
      if (command && this.shouldCut(command)) {
        link.pending.unshift(command);
        if (at > 0) link.client.write(link.replies.subarray(0, at));
        this.cut(link, command);
        return;
      }
      at = end;
    }
    if (at > 0) link.client.write(link.replies.subarray(0, at));
    link.replies = link.replies.subarray(at);
  }

  private shouldCut(command: Command): boolean {
    const rule = this.rule;
    if (!rule || this.cuts.length >= rule.max || !rule.commands.includes(command.name)) return false;
    if (rule.argIncludes !== undefined && !command.args.some((arg) => arg.includes(rule.argIncludes as string))) return false;
    return Math.random() < rule.probability;
  }

  private cut(link: Link, command: Command): void {
    this.cuts.push({ command: command.name, args: command.args.slice(1), unanswered: link.pending.length });
    this.drop(link);
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream.destroy();
  }
}

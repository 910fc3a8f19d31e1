/**
 * An open-loop load generator for the fixed-rate scenarios: requests leave at evenly spaced times
 * whatever the server does, and each latency is measured from the time its request was due. That
 * is what a busy web page produces, and it does not hide queueing. (autocannon's rate limit sends
 * each connection's quota for the second in one burst and then waits, which measures bursts.)
 *
 * It speaks HTTP/1.1 on plain sockets, one request at a time per keep-alive connection, as
 * autocannon does: the generator runs on the same two cores as what it measures, and Node's HTTP
 * client cost 0.28 ms of CPU per request at 1,000 req/s (Node 24), more than the PBX double and a
 * seventh of the machine. Every answer must carry Content-Length (the relay's, the naive relay's and
 * Express's do); one without it counts as an error, so a change of framing cannot go unnoticed.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface OpenLoopOptions {
  url: string;
  headers: Record<string, string>;
  /** Requests per second, spread evenly. */
  rate: number;
  durationSeconds: number;
  /** Sockets the generator may open (requests beyond wait for one, and their wait counts). */
  maxSockets: number;
}

export interface OpenLoopResult {
  /** Requests answered with 2xx per second, from the first request to the last answer. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

/** Pure: the value below which `fraction` of the sorted values lie (nearest rank). */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  const headerLines = Object.entries(options.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${headerLines}\r\n`, 'latin1');
  const port = Number(target.port || 80);
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(options.rate * options.durationSeconds);
  const interval = 1000 / options.rate;
  const start = performance.now();
  let sent = 0;
  let lastAnswer = start;
  const idle: Connection[] = [];
  const waiting: number[] = [];
  const open = new Set<Connection>();

  const answered = (connection: Connection, ok: boolean, due: number) => {
    lastAnswer = performance.now();
    if (ok) latencies.push(lastAnswer - due);
    else errors++;
    const next = waiting.shift();
    if (next !== undefined) connection.send(next);
    else idle.push(connection);
  };
  const failed = (connection: Connection, due: number | undefined) => {
    open.delete(connection);
    const at = idle.indexOf(connection);
    if (at >= 0) idle.splice(at, 1);
    if (due !== undefined) {
      errors++;
      lastAnswer = performance.now();
    }
    // A request that was waiting for a socket gets a new one.
    const next = waiting.shift();
    if (next !== undefined) send(next);
  };
  const send = (due: number) => {
    const connection = idle.pop();
    if (connection) return connection.send(due);
    if (open.size >= options.maxSockets) return void waiting.push(due);
    const fresh = new Connection(target.hostname, port, request, answered, failed);
    open.add(fresh);
    fresh.send(due);
  };

  // One timer for every request's 30 s limit, instead of one timer each.
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const connection of open) if (connection.due !== undefined && now - connection.due > 30_000) connection.destroy();
  }, 1000);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Send everything that is due by now, each stamped with the time it was due.
      const dueCount = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < dueCount) send(start + sent++ * interval);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const deadline = performance.now() + 30_000;
  const unanswered = () => waiting.length + [...open].filter((connection) => connection.due !== undefined).length;
  while (unanswered() > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  errors += unanswered();
  clearInterval(watchdog);
  // Counted above: closing them now is not another error.
  for (const connection of open) {
    connection.due = undefined;
    connection.destroy();
  }

  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    rps: latencies.length / Math.max(options.durationSeconds, (lastAnswer - start) / 1000),
    p50: round(percentile(latencies, 0.5)),
    p90: round(percentile(latencies, 0.9)),
    p99: round(percentile(latencies, 0.99)),
    errors,
  };
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection carrying one request at a time; its answer is read by Content-Length. */
class Connection {
  /** When the request in flight was due, or undefined when the connection is free. */
  due: number | undefined;
  private readonly socket: net.Socket;
  private head: Buffer = Buffer.alloc(0);
  /** Body bytes still to come once the head is read, or undefined while reading the head. */
  private bodyLeft: number | undefined;
  private status = 0;

  constructor(
    host: string,
    port: number,
    private readonly request: Buffer,
    private readonly onAnswer: (connection: Connection, ok: boolean, due: number) => void,
    private readonly onGone: (connection: Connection, due: number | undefined) => void,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      const due = this.due;
      this.due = undefined;
      this.onGone(this, due);
    });
  }

  send(due: number): void {
    this.due = due;
    this.head = Buffer.alloc(0);
    this.bodyLeft = undefined;
    this.socket.write(this.request);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    let rest = chunk;
    if (this.bodyLeft === undefined) {
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      const end = this.head.indexOf(HEADER_END);
      if (end < 0) return;
      const head = this.head.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!length) return this.destroy();
      rest = this.head.subarray(end + HEADER_END.length);
      this.bodyLeft = Number(length[1]);
    }
    this.bodyLeft -= rest.length;
    if (this.bodyLeft > 0) return;
    // One request at a time: bytes beyond the answer would be a protocol error.
    if (this.bodyLeft < 0) return this.destroy();
    const due = this.due as number;
    this.due = undefined;
    this.bodyLeft = undefined;
    this.onAnswer(this, this.status >= 200 && this.status < 300, due);
  }
}

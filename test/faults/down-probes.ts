/**
 * Requests sent while Redis is down, from a quiet client: a worker thread with its own event loop,
 * which does nothing but send one GET /v1/click2call every few milliseconds, round-robin over the
 * web processes, and time the answers. The load's own requests cannot time the relay to the
 * millisecond: they are sent and read by the test process, whose event loop also runs the load (up
 * to 150 requests in flight), the Redis-cutting proxy and the scenario, and on a 2-core machine is
 * at times late by hundreds of milliseconds. The probes' event loop is idle between two of them.
 * Two more of the client's own delays are left out: the thread is warmed up before the outage (its
 * first fetch loads and compiles undici, a second or more on a loaded machine, and opens the
 * connections), and a probe's `sentAt` is when its request was written to the socket (undici's
 * `undici:client:sendHeaders` diagnostics channel), not when fetch was called.
 */
import { Worker } from 'node:worker_threads';
import type { Click2CallAnswer, SentRequest } from './load.js';

export interface ProbeOptions {
  bases: string[];
  apiKey: string;
  pbx: 'other' | 'asterisk';
  /** One probe every `everyMs`, to the next web process. */
  everyMs: number;
  /** Distinct destination numbers from `numberBase` on (a repeat would be answered with the original). */
  numberBase: number;
}

interface ProbeResult {
  index: number;
  base: string;
  wait: number;
  sentAt: number;
  answeredAt: number;
  answer?: Click2CallAnswer;
  transportError?: string;
}

/** CommonJS, run by the worker thread as it is (no TypeScript loader there). */
const PROBE_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const diagnostics = require('node:diagnostics_channel');
const { bases, apiKey, pbx, everyMs, numberBase } = workerData;
const results = [];
const inFlight = new Set();
// When each probe's request was written to its socket, by destination number.
const written = new Map();
diagnostics.subscribe('undici:client:sendHeaders', ({ request }) => {
  const number = /dial_second=(\d+)/.exec(request.path);
  if (number) written.set(number[1], Date.now());
});
let timer;
let index = 0;
async function probe(i) {
  const base = bases[i % bases.length];
  // Both kinds of request: one answered at once, one that would wait up to 5 s for a verdict.
  const wait = Math.floor(i / bases.length) % 2 === 0 ? 0 : 5;
  const number = String(numberBase + i);
  const params = new URLSearchParams({ dial_first: '1001', dial_second: number, pbx, wait: String(wait) });
  const result = { index: -100000 - i, base, wait, sentAt: Date.now() };
  try {
    const response = await fetch(base + '/v1/click2call?' + params, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout((wait + 15) * 1000) });
    const body = await response.json();
    if (!body.response) throw new Error('HTTP ' + response.status + ' without a response object');
    result.answer = body.response;
  } catch (err) {
    result.transportError = err instanceof Error ? err.name + ': ' + err.message : String(err);
  }
  result.answeredAt = Date.now();
  result.sentAt = written.get(number) ?? result.sentAt;
  written.delete(number);
  results.push(result);
}
// Warm-up: undici loaded and compiled, a connection open to each web process (a route without Redis).
async function warmUp() {
  for (let round = 0; round < 2; round++) {
    await Promise.all(bases.map((base) => fetch(base + '/healthz', { signal: AbortSignal.timeout(10000) }).then((response) => response.arrayBuffer()).catch(() => undefined)));
  }
}
parentPort.on('message', async (message) => {
  if (message === 'start') {
    timer = setInterval(() => {
      const sending = probe(index++);
      inFlight.add(sending);
      sending.finally(() => inFlight.delete(sending));
    }, everyMs);
  } else if (message === 'stop') {
    clearInterval(timer);
    await Promise.all([...inFlight]);
    parentPort.postMessage(results);
  }
});
warmUp().then(() => parentPort.postMessage('ready'));
`;

export class DownProbes {
  private constructor(private readonly worker: Worker) {}

  /** Starts the thread; probing begins with `start()`. */
  static async open(options: ProbeOptions): Promise<DownProbes> {
    const worker = new Worker(PROBE_THREAD, { eval: true, workerData: options });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return new DownProbes(worker);
  }

  start(): void {
    this.worker.postMessage('start');
  }

  /** Stops sending, waits for every probe's answer (or its time bound), and ends the thread. */
  async stop(): Promise<SentRequest[]> {
    const results = new Promise<ProbeResult[]>((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
    });
    this.worker.postMessage('stop');
    try {
      return (await results).sort((a, b) => a.sentAt - b.sentAt);
    } finally {
      await this.worker.terminate();
    }
  }
}

/**
 * An open-loop load generator for the fixed-rate scenarios: requests leave at evenly spaced times
 * whatever the server does, and each latency is measured from the time its request was due. That
 * is what a busy web page produces, and it does not hide queueing. (autocannon's rate limit sends
 * each connection's quota for the second in one burst and then waits, which measures bursts.)
 */
import http from 'node:http';
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
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const latencies: number[] = [];
  let errors = 0;
  let inFlight = 0;
  const total = Math.round(options.rate * options.durationSeconds);
  const interval = 1000 / options.rate;
  const start = performance.now();
  let sent = 0;
  let lastAnswer = start;

  const send = (due: number) => {
    inFlight++;
    const request = http.get(options.url, { agent, headers: options.headers }, (response) => {
      response.resume();
      response.on('end', () => {
        inFlight--;
        lastAnswer = performance.now();
        if (response.statusCode !== undefined && response.statusCode < 300) latencies.push(lastAnswer - due);
        else errors++;
      });
    });
    request.setTimeout(30_000, () => request.destroy(new Error('timeout')));
    request.on('error', () => {
      inFlight--;
      errors++;
    });
  };

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
  while (inFlight > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  errors += inFlight;
  agent.destroy();

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

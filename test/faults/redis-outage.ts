/**
 * A Redis outage under load (kill -9, then a restart on the same port and AOF directory), and what
 * is counted about it: while Redis is down the API must answer `service_unavailable` promptly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eventually } from '../support/eventually.js';
import type { FaultRig } from './fault-rig.js';
import { outcomeOf, type Load, type SentRequest } from './load.js';

/** The one time bound the suite asserts: an answer while Redis is down. Tolerant on a loaded 2-core box. */
export const DOWN_ANSWER_BOUND_MS = 2000;

export interface Outage {
  killedAt: number;
  restartedAt: number;
  /** The test process's own worst event-loop delay during the outage (its share of any latency). */
  clientLagMaxMs: number;
}

export interface DownCounts {
  /** Requests sent while Redis was down. */
  down_requests: number;
  down_unavailable: number;
  /** Answered anything but `service_unavailable`, or not within the bound. */
  down_other: number;
  down_slow: number;
  down_max_ms: number;
}

/** Kills Redis once `ready()` holds, keeps it down until `downLongEnough()` holds (bounded), then restarts it. */
export async function redisOutage(rig: FaultRig, load: Load, minDownAnswers: number): Promise<Outage> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const killedAt = Date.now();
  await rig.redis.kill();
  // Down long enough for requests to meet it, whatever the machine's pace; 8 s at most.
  await eventually(() => load.answered((r) => r.sentAt > killedAt) >= minDownAnswers, { timeoutMs: 8000, intervalMs: 50 }).catch(() => undefined);
  const restarting = Date.now();
  lag.disable();
  await rig.redis.restart();
  return { killedAt, restartedAt: restarting, clientLagMaxMs: Math.round(lag.max / 1e6) };
}

/** Every request sent around the outage, times relative to the kill, for whoever reads the logs. */
export function writeAroundOutage(sent: SentRequest[], outage: Outage, dir: string): void {
  const around = sent
    .filter((r) => r.sentAt > outage.killedAt - 3000 && r.sentAt < outage.restartedAt + 1000)
    .map((r) => ({ index: r.index, base: r.base, wait: r.wait, sent: r.sentAt - outage.killedAt, latency: (r.answeredAt ?? NaN) - r.sentAt, outcome: outcomeOf(r), state: r.answer?.state, request_id: r.answer?.request_id, error: r.transportError }));
  writeFileSync(join(dir, 'around-outage.json'), JSON.stringify({ killedAt: outage.killedAt, restartedAt: outage.restartedAt, clientLagMaxMs: outage.clientLagMaxMs, requests: around }, null, 1));
}

export function countDown(sent: SentRequest[], outage: Outage): DownCounts {
  // A small margin on each side: a request sent as Redis died or came back may legitimately succeed.
  const down = sent.filter((r) => r.sentAt > outage.killedAt + 100 && r.sentAt < outage.restartedAt - 100);
  const latency = (r: SentRequest) => (r.answeredAt ?? Date.now()) - r.sentAt;
  return {
    down_requests: down.length,
    down_unavailable: down.filter((r) => outcomeOf(r) === 'service_unavailable').length,
    down_other: down.filter((r) => outcomeOf(r) !== 'service_unavailable').length,
    down_slow: down.filter((r) => latency(r) > DOWN_ANSWER_BOUND_MS).length,
    down_max_ms: Math.max(0, ...down.map(latency)),
  };
}

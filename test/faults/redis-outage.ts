/**
 * A Redis outage under load (kill -9, then a restart on the same port and AOF directory), and what
 * is counted about it: while Redis is down the API must answer `service_unavailable` promptly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/eventually.js';
import { DownProbes } from './down-probes.js';
import type { FaultRig } from './fault-rig.js';
import { outcomeOf, type Load, type SentRequest } from './load.js';

/**
 * The one time bound the suite asserts: how long the relay takes to answer a request that arrives
 * while Redis is down. What is timed, exactly:
 * - requests that arrive while Redis is down: written to the socket after the kill (+100 ms) and
 *   before the restart (-100 ms). A request sent before the outage, e.g. one already waiting up to
 *   `wait=5` s for its verdict when Redis died, may rightly take longer and is not timed;
 * - as a quiet client sees them: the probes of `DownProbes` (a warmed-up thread with its own event
 *   loop, one request every 25 ms round-robin over the web processes, `wait=0` and `wait=5` in
 *   turn), not the load's requests, whose times include the test process's own delays (it runs the
 *   load, the Redis-cutting proxy and the scenario, and its event loop is at times hundreds of ms
 *   late on this 2-core machine). The load's requests that met the outage are still held to the
 *   answer (`service_unavailable`); their slowest time is printed as `down_max_ms`, for information;
 * - behind the cutting proxy, from when the proxy closes the relay's connections, at the kill
 *   (`upstreamDown`), not from when the busy test process would have noticed Redis's death.
 * The bound: the relay bounds each Redis command of the API at 1500 ms (`commandTimeout` of the
 * `api` connection, shared/redis.ts), and may need all of it: a command on the wire when the
 * connection drops is kept by ioredis to re-send after a reconnect, until it times out. A request
 * arriving after the drop fails at once (the API has no offline queue): the probes' slowest answer
 * was 149 ms once the call path stopped auto-pipelining (2026-12-02); before, ioredis ran one
 * auto-pipeline at a time, so every request arriving meanwhile waited with the one on the wire
 * (failures logged at kill + 1505..1570 ms). So 1500 ms, plus 500 ms for the relay's own
 * scheduling and HTTP on this loaded machine: prompt, and met by a correct relay every time. A relay that waits for Redis to come back, or for a request's
 * `wait`, misses it: the load then gets no answers, which keeps Redis down the full 8 s (below).
 */
export const DOWN_ANSWER_BOUND_MS = 2000;

/** Probes from a quiet client while Redis is down: one every 25 ms. */
const PROBE_EVERY_MS = 25;
/** Each web process must have met the outage at least this often for the bound to mean something. */
export const MIN_PROBES_PER_WEB = 5;
/** Down at least this long, so that every web process meets the outage (see MIN_PROBES_PER_WEB) however fast the load's answers come. */
const MIN_DOWN_MS = 1000;

/** Destination numbers of the probes, never those of a load or of another outage's probes. */
let probeNumberBase = 5_558_000_000;

export interface Outage {
  killedAt: number;
  /** When redis-server was started again (it cannot answer before). */
  restartedAt: number;
  /** The quiet client's requests, sent from the kill until the restart. */
  probes: SentRequest[];
  /** How long before `restartedAt` a request may still be taken up once Redis is back (see `metRedisBack`); 500 ms unless set. */
  takenUpAfterMs?: number;
}

export interface DownCounts {
  /** The load's requests that met the outage. */
  down_requests: number;
  down_unavailable: number;
  /** Answered anything but `service_unavailable` (see `metRedisBack` for the one exception). */
  down_other: number;
  /** The load's slowest answer during the outage as the busy test process saw it, from its write (not asserted). */
  down_max_ms: number;
  /** The probes that met the outage, the fewest of them at one web process, and how they were answered. */
  probes: number;
  probes_min_per_web: number;
  probe_other: number;
  probe_slow: number;
  probe_max_ms: number;
}

/** Kills Redis, keeps it down until `minDownAnswers` load requests sent since have their answer (1 s at least, 8 s at most), then restarts it. */
export async function redisOutage(rig: FaultRig, load: Load, minDownAnswers: number, pbx: 'other' | 'asterisk' = 'other'): Promise<Outage> {
  const probes = await DownProbes.open({ bases: rig.bases, apiKey: rig.apiKey, pbx, everyMs: PROBE_EVERY_MS, numberBase: probeNumberBase });
  probeNumberBase += 100_000;
  // Probing starts just before the kill (what is sent before kill + 100 ms is not timed), so that
  // the first probes that count are sent on time however late the kill's exit is noticed.
  probes.start();
  const killedAt = Date.now();
  rig.proxy?.upstreamDown();
  await rig.redis.kill();
  // Down long enough for requests to meet it, whatever the machine's pace; 8 s at most. A relay
  // that holds requests instead of answering keeps Redis down the full 8 s, and fails the bound.
  await eventually(() => Date.now() - killedAt >= MIN_DOWN_MS && load.answered((r) => r.sentAt > killedAt) >= minDownAnswers, { timeoutMs: 8000, intervalMs: 50 }).catch(() => undefined);
  const restartedAt = Date.now();
  const probed = probes.stop();
  rig.proxy?.upstreamBack();
  await rig.redis.restart();
  return { killedAt, restartedAt, probes: await probed };
}

/** When the relay can first have seen a request: when it was written to its socket. */
const sentTime = (r: SentRequest) => r.writtenAt ?? r.sentAt;

/** The requests that arrived while Redis was down (see `DOWN_ANSWER_BOUND_MS`). */
function metOutage(requests: SentRequest[], outage: Outage): SentRequest[] {
  return requests.filter((r) => sentTime(r) > outage.killedAt + 100 && sentTime(r) < outage.restartedAt - 100);
}

const latency = (r: SentRequest) => (r.answeredAt ?? Date.now()) - sentTime(r);

/**
 * A request written in the outage's last moments that the relay took up only once Redis was back
 * (its own scheduling): answered `success` after the restart. Neither its answer nor its time is
 * held to the outage's. Only for the last 500 ms (`takenUpAfterMs`): a relay that held requests
 * until Redis came back would hold those sent earlier too, and they must be `service_unavailable`
 * within the bound.
 */
function metRedisBack(r: SentRequest, outage: Outage): boolean {
  return outcomeOf(r) === 'success' && (r.answeredAt ?? 0) > outage.restartedAt && sentTime(r) > outage.restartedAt - (outage.takenUpAfterMs ?? 500);
}

function honest(r: SentRequest, outage: Outage): boolean {
  return outcomeOf(r) === 'service_unavailable' || metRedisBack(r, outage);
}

function slow(r: SentRequest, outage: Outage): boolean {
  return !metRedisBack(r, outage) && latency(r) > DOWN_ANSWER_BOUND_MS;
}

/** Call once the load has ended (every request has its answer). */
export function countDown(sent: SentRequest[], outage: Outage): DownCounts {
  const down = metOutage(sent, outage);
  const probes = metOutage(outage.probes, outage);
  const perWeb = new Map<string, number>();
  for (const probe of probes) perWeb.set(probe.base, (perWeb.get(probe.base) ?? 0) + 1);
  const bases = new Set([...sent, ...outage.probes].map((r) => r.base));
  return {
    down_requests: down.length,
    down_unavailable: down.filter((r) => outcomeOf(r) === 'service_unavailable').length,
    down_other: down.filter((r) => !honest(r, outage)).length,
    down_max_ms: Math.max(0, ...down.map(latency)),
    probes: probes.length,
    probes_min_per_web: Math.min(...[...bases].map((base) => perWeb.get(base) ?? 0)),
    probe_other: probes.filter((r) => !honest(r, outage)).length,
    probe_slow: probes.filter((r) => slow(r, outage)).length,
    probe_max_ms: Math.max(0, ...probes.filter((r) => !metRedisBack(r, outage)).map(latency)),
  };
}

/** The probes answered late or wrongly, and the load's requests answered wrongly, described. */
export function downFailures(sent: SentRequest[], outage: Outage, n = 4): string {
  const describe = (kind: string) => (r: SentRequest) =>
    `${kind} ${r.answer?.request_id ?? `#${r.index}`} via ${r.base} wait=${r.wait} sent kill+${sentTime(r) - outage.killedAt} ms: ${outcomeOf(r)}${r.transportError ? ` (${r.transportError})` : ''} after ${latency(r)} ms`;
  const probes = metOutage(outage.probes, outage).filter((r) => !honest(r, outage) || slow(r, outage));
  const load = metOutage(sent, outage).filter((r) => !honest(r, outage));
  return [...probes.sort((a, b) => latency(b) - latency(a)).slice(0, n).map(describe('probe')), ...load.slice(0, n).map(describe('load'))].join('\n');
}

/** Every request sent around the outage (the load's and the probes'), times relative to the kill, kept with the relay logs. */
export function writeAroundOutage(sent: SentRequest[], outage: Outage, dir: string): void {
  const around = [...sent, ...outage.probes]
    .filter((r) => sentTime(r) > outage.killedAt - 3000 && sentTime(r) < outage.restartedAt + 1000)
    .sort((a, b) => sentTime(a) - sentTime(b))
    .map((r) => ({
      from: r.index <= -100_000 ? 'probe' : 'load',
      index: r.index,
      base: r.base,
      wait: r.wait,
      sent: sentTime(r) - outage.killedAt,
      fetch_called: r.sentAt - outage.killedAt,
      latency: latency(r),
      outcome: outcomeOf(r),
      state: r.answer?.state,
      request_id: r.answer?.request_id,
      error: r.transportError,
    }));
  writeFileSync(join(dir, 'around-outage.json'), JSON.stringify({ killedAt: outage.killedAt, restartedAt: outage.restartedAt, requests: around }, null, 1));
}

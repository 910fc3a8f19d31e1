/**
 * The naive relay's worker (see naive-relay-web.ts): takes each call from the queue, asks the PBX
 * over HTTP, then stores the verdict and publishes it for the web process. Redis from REDIS_URL.
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';

interface Call {
  id: string;
  dialFirst: string;
  dialSecond: string;
  pbxUrl: string;
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl);

async function placeCall(job: Job<Call>): Promise<void> {
  const call = job.data;
  const url = `${call.pbxUrl}?from=${encodeURIComponent(call.dialFirst)}&to=${encodeURIComponent(call.dialSecond)}&id=${call.id}`;
  let verdict: { id: string; state: 'accepted' | 'failed'; pbx_response: string };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    verdict = { id: call.id, state: response.ok ? 'accepted' : 'failed', pbx_response: await response.text() };
  } catch (err) {
    verdict = { id: call.id, state: 'failed', pbx_response: String(err) };
  }
  await redis.set(`naive:st:${call.id}`, JSON.stringify({ ...call, ...verdict }), 'EX', 86_400);
  await redis.publish('naive:verdicts', JSON.stringify(verdict));
}

// Concurrency as the relay's default WORKER_CONCURRENCY: the two differ in code, not in settings.
const worker = new Worker<Call>('naive-calls', placeCall, { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), concurrency: 200 });
worker.on('error', (err) => console.error(err));
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));

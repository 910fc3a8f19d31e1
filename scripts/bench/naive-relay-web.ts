/**
 * The naive relay's web process: the benchmark's second baseline, the short program a user might
 * write instead of the relay, with the relay's own dependencies. It looks up the API key, writes a
 * status document, enqueues the call and answers when the worker publishes the verdict. None of the
 * relay's guarantees (at-most-once, admission, idempotency, call progress). Port from argv[2],
 * Redis from REDIS_URL. The worker is naive-relay-worker.ts.
 */
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

interface Verdict {
  id: string;
  state: 'accepted' | 'failed';
  pbx_response: string;
}

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const subscriber = redis.duplicate();
const queue = new Queue('naive-calls', { connection: redis });
queue.on('error', (err) => console.error(err));

// One subscription for every verdict; each request waits on its id.
const waiters = new Map<string, (verdict: Verdict) => void>();
await subscriber.subscribe('naive:verdicts');
subscriber.on('message', (_channel, message: string) => {
  const verdict = JSON.parse(message) as Verdict;
  waiters.get(verdict.id)?.(verdict);
  waiters.delete(verdict.id);
});

const app = express();
app.get('/healthz', (_req, res) => {
  res.send('ok');
});
app.get('/v1/click2call', async (req, res) => {
  const account = await redis.get(`naive:key:${req.get('x-api-key') ?? ''}`);
  if (account === null) return void res.status(401).json({ status: 'error', error: 'unknown API key' });
  const { dial_first: dialFirst, dial_second: dialSecond } = req.query;
  if (typeof dialFirst !== 'string' || typeof dialSecond !== 'string' || !/^\d{2,20}$/.test(dialFirst) || !/^\d{2,20}$/.test(dialSecond)) {
    return void res.status(400).json({ status: 'error', error: 'dial_first and dial_second must be numbers' });
  }
  const id = randomUUID();
  const call = { id, dialFirst, dialSecond, pbxUrl: (JSON.parse(account) as { pbxUrl: string }).pbxUrl };
  await redis.set(`naive:st:${id}`, JSON.stringify({ ...call, state: 'queued' }), 'EX', 86_400);
  // Wait before enqueueing, so an instant verdict cannot arrive before anyone listens.
  const verdict = new Promise<Verdict | undefined>((resolve) => {
    const timer = setTimeout(() => waiters.delete(id) && resolve(undefined), 30_000);
    waiters.set(id, (answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
  await queue.add('call', call, { jobId: id, removeOnComplete: true, removeOnFail: 1000 });
  const answer = await verdict;
  if (answer === undefined) return void res.status(504).json({ request_id: id, status: 'error', error: 'no verdict in time' });
  res.json({ request_id: id, status: answer.state === 'accepted' ? 'success' : 'error', state: answer.state, pbx_response: answer.pbx_response });
});
app.listen(Number(process.argv[2] ?? 3000), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));

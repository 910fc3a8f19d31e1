import type { Queue } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { StatusChange, StatusStore } from '../../shared/status/status-store.js';
import type { DeliveryLog } from '../../shared/webhooks/delivery-log.js';
import { changeStreamKey } from '../../shared/webhooks/webhook-keys.js';
import type { WebhookStore } from '../../shared/webhooks/webhook-store.js';
import { planDeliveries } from './plan-deliveries.js';

export interface FanoutDeps {
  /** A connection of its own: it spends its time blocked in XREADGROUP. */
  reader: RedisClient;
  redis: RedisClient;
  prefix: string;
  statusStore: StatusStore;
  webhooks: WebhookStore;
  deliveries: DeliveryLog;
  queue: Queue;
  logger: Logger;
}

const GROUP = 'fanout';
const BATCH = 100;
/** How long one read waits for changes (also how long a stop may wait for it). */
const BLOCK_MS = 1000;
/** How often, and after how long, changes read by a consumer that never finished them are taken over. */
const RECLAIM_EVERY_MS = 10_000;
const RECLAIM_IDLE_MS = 30_000;

type Entry = [id: string, fields: string[] | null];

/**
 * Turns the change stream (written by the status update script, see status-store.ts) into webhook
 * deliveries. Every worker process reads it in one consumer group, so each change is planned once
 * in the normal case; a change is acknowledged (and deleted) only once its deliveries are queued,
 * and one left unacknowledged (a worker died, Redis failed) is taken over after RECLAIM_IDLE_MS.
 * Planning is idempotent, so a change planned twice queues nothing twice.
 */
export class ChangeFanout {
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly stream: string;

  constructor(private readonly deps: FanoutDeps) {
    this.stream = changeStreamKey(deps.prefix);
  }

  async start(): Promise<void> {
    try {
      // From the stream's start: changes written while no worker ran are delivered too.
      await this.deps.reader.xgroup('CREATE', this.stream, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    let reclaimedAt = 0;
    while (!this.stopped) {
      try {
        if (Date.now() - reclaimedAt >= RECLAIM_EVERY_MS) {
          reclaimedAt = Date.now();
          await this.reclaim();
        }
        const reply = (await this.deps.reader.xreadgroup('GROUP', GROUP, this.consumer, 'COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.stream, '>')) as [string, Entry[]][] | null;
        await this.handleAll(reply?.[0]?.[1] ?? []);
      } catch (err) {
        if (this.stopped) break;
        this.deps.logger.error({ err }, 'webhook fan-out failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, BLOCK_MS));
      }
    }
  }

  private async handleAll(entries: Entry[]): Promise<void> {
    for (const [id, fields] of entries) {
      if (fields) await this.handle(fields);
      await this.deps.redis.multi().xack(this.stream, GROUP, id).xdel(this.stream, id).exec();
    }
  }

  private async reclaim(): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.deps.redis.xautoclaim(this.stream, GROUP, this.consumer, RECLAIM_IDLE_MS, cursor, 'COUNT', BATCH)) as [string, Entry[]];
      await this.handleAll(entries);
      cursor = next;
    } while (cursor !== '0-0' && !this.stopped);
  }

  /** One stream entry: `a` account id, `f` index of the first event the write added, `c` the StatusChange. */
  private async handle(fields: string[]): Promise<void> {
    const entry = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) entry.set(fields[i] as string, fields[i + 1] as string);
    let change: StatusChange;
    try {
      change = JSON.parse(entry.get('c') ?? '') as StatusChange;
    } catch {
      this.deps.logger.warn('unreadable change in the webhook stream');
      return;
    }
    const accountId = entry.get('a') ?? '';
    const [stored, config] = await Promise.all([this.deps.statusStore.get(change.id), this.deps.webhooks.load(accountId)]);
    if (!stored) return;
    const planned = planDeliveries(change, Number(entry.get('f') ?? 0), accountId, stored.doc, config);
    await this.deps.deliveries.enqueue(this.deps.queue, planned);
  }

  async close(): Promise<void> {
    this.stopped = true;
    // Ends the blocked read at once; the loop sees `stopped` and returns.
    this.deps.reader.disconnect();
    await this.running;
    const pending = (await this.deps.redis.xpending(this.stream, GROUP, '-', '+', 1, this.consumer)) as unknown[];
    if (pending.length === 0) await this.deps.redis.xgroup('DELCONSUMER', this.stream, GROUP, this.consumer);
  }
}

/**
 * One scenario's world: a real redis-server (optionally behind the cutting proxy), N web and M
 * worker processes of the relay, the PBX doubles, and an account provisioned over the admin API.
 * `stop()` kills everything it started, and the process registry kills the rest if a test dies.
 */
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CALL_QUEUE, queuePrefix } from '../../shared/call-job.js';
import { StatusStore } from '../../shared/status/status-store.js';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { CountingPbx } from './counting-pbx.js';
import { FaultRedis } from './fault-redis.js';
import { RelayProcess, startWebProcess } from './processes.js';
import { RedisCutProxy } from './redis-cut-proxy.js';

const ADMIN_TOKEN = 'fault-suite-admin-token-0123456789';
const PREFIX = 'fault';

export interface RigOptions {
  name: string;
  webs: number;
  workers: number;
  /** Web and worker reach Redis through the cutting proxy. */
  viaProxy?: boolean;
  /** Also give the account an Asterisk connection to an AMI double. */
  asterisk?: boolean;
  /** `timeout_ms` of the account's `other` connection. */
  otherTimeoutMs?: number;
}

const logRoot = process.env.FAULTS_LOG_DIR ?? mkdtempSync(join(tmpdir(), 'c2c-faults-'));

/** Where the relay processes' logs go (one file per process, per scenario). */
export function logDirOf(name: string): string {
  const dir = join(logRoot, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export class FaultRig {
  readonly webs: RelayProcess[] = [];
  readonly workers: RelayProcess[] = [];
  readonly bases: string[] = [];
  apiKey = '';
  private workerCount = 0;
  private queue: Queue | undefined;
  private queueRedis: Redis | undefined;
  private readonly env: Record<string, string>;

  private constructor(
    readonly options: RigOptions,
    readonly redis: FaultRedis,
    readonly proxy: RedisCutProxy | undefined,
    readonly pbx: CountingPbx,
    readonly ami: AmiDouble | undefined,
    readonly logDir: string,
  ) {
    this.env = {
      REDIS_URL: proxy?.url ?? redis.url,
      REDIS_PREFIX: PREFIX,
      C2C_MASTER_KEY: randomBytes(32).toString('base64'),
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      ALLOW_PRIVATE_PBX_ADDRESSES: 'true',
      QUEUE_MAX_AGE_SECONDS: '20',
      SHUTDOWN_TIMEOUT_MS: '3000',
    };
  }

  static async start(options: RigOptions): Promise<FaultRig> {
    const logDir = logDirOf(options.name);
    const redis = await FaultRedis.start(logDir);
    const parts: { proxy?: RedisCutProxy; pbx?: CountingPbx; ami?: AmiDouble } = {};
    try {
      parts.proxy = options.viaProxy ? await RedisCutProxy.start(redis.port) : undefined;
      parts.pbx = await CountingPbx.start();
      parts.ami = options.asterisk ? await startAmiDouble({ ...sandboxAmiOptions(), timing: { ringMs: 50, holdMs: 300 } }) : undefined;
    } catch (err) {
      await Promise.allSettled([redis.stop(), parts.proxy?.close(), parts.pbx?.close(), parts.ami?.close()]);
      throw err;
    }
    const rig = new FaultRig(options, redis, parts.proxy, parts.pbx, parts.ami, logDir);
    try {
      await Promise.all([
        ...Array.from({ length: options.webs }, (_, i) => rig.startWeb(i + 1)),
        ...Array.from({ length: options.workers }, () => rig.startWorker()),
      ]);
      await rig.provision();
    } catch (err) {
      await rig.stop();
      throw err;
    }
    return rig;
  }

  private async startWeb(n: number): Promise<void> {
    const { web, base } = await startWebProcess(n, this.env, this.logDir);
    this.webs.push(web);
    this.bases.push(base);
  }

  /** Starts one more worker process (after a kill, the replacement). */
  async startWorker(): Promise<RelayProcess> {
    this.workerCount += 1;
    const name = `worker-${this.workerCount}`;
    const worker = await RelayProcess.start('worker', name, { ...this.env, SERVER_ID: name, WORKER_CONCURRENCY: '200' }, this.logDir);
    this.workers.push(worker);
    return worker;
  }

  private async admin(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.bases[0]}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`admin ${method} ${path}: HTTP ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  private async provision(): Promise<void> {
    const account = await this.admin('POST', '/admin/v1/accounts', { name: `Fault ${this.options.name}` });
    const id = account.account.id as string;
    const key = await this.admin('POST', `/admin/v1/accounts/${id}/keys`, { label: 'faults' });
    this.apiKey = key.key.api_key as string;
    await this.admin('PUT', `/admin/v1/accounts/${id}/pbx/other`, { url: this.pbx.urlTemplate, timeout_ms: this.options.otherTimeoutMs ?? 10_000 });
    if (this.ami) {
      await this.admin('PUT', `/admin/v1/accounts/${id}/pbx/asterisk`, { host: this.ami.host, port: this.ami.port, username: 'relay', secret: 'relaysecret' });
    }
    // The load is the point: no rate or concurrency limit may refuse it.
    await this.admin('PUT', `/admin/v1/accounts/${id}/policy`, { rate_per_minute: 1_000_000, max_concurrent: 10_000 });
  }

  /** Call requests the AMI double received, per request id (`C2C_ID` of every Originate on the wire). */
  amiDialCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const session of this.ami?.received() ?? []) {
      for (const match of session.matchAll(/C2C_ID=([0-9a-f-]{36})/g)) counts.set(match[1] as string, (counts.get(match[1] as string) ?? 0) + 1);
    }
    return counts;
  }

  /** Call requests the HTTP PBX received, per request id. */
  httpDialCounts(): Map<string, number> {
    return new Map(this.pbx.ids().map((id) => [id, this.pbx.count(id)]));
  }

  /** Both PBXes together. */
  dialCounts(): Map<string, number> {
    const counts = this.httpDialCounts();
    for (const [id, n] of this.amiDialCounts()) counts.set(id, (counts.get(id) ?? 0) + n);
    return counts;
  }

  /** The call job's BullMQ state, read from Redis directly (not through the proxy). */
  async jobState(id: string): Promise<string> {
    this.jobRedis();
    return (this.queue as Queue).getJobState(id);
  }

  private jobRedis(): void {
    if (!this.queue) {
      this.queueRedis = new Redis(this.redis.url, { maxRetriesPerRequest: 1 });
      this.queueRedis.on('error', () => {});
      this.queue = new Queue(CALL_QUEUE, { connection: this.queueRedis, prefix: queuePrefix(PREFIX) });
      this.queue.on('error', () => {});
    }
  }

  /**
   * Who holds the claim on a request's document (`cancel:…`, `dispatch:…`, `expire:…`; '' when
   * unclaimed), read from Redis directly: for the description of a document that never settled.
   */
  async claimHolder(id: string): Promise<string> {
    this.jobRedis();
    const raw = await (this.queueRedis as Redis).get(new StatusStore(this.queueRedis as Redis, PREFIX, 0).key(id));
    if (raw === null) return 'no document';
    return raw.split('\n', 2)[1] ?? '';
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.webs, ...this.workers].map((process) => process.stop()));
    await Promise.allSettled([this.queue?.close(), this.proxy?.close(), this.pbx.close(), this.ami?.close()]);
    this.queueRedis?.disconnect();
    await this.redis.stop();
  }
}

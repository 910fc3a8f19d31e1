/**
 * One cluster scenario's world: the real Redis Cluster of the run (REDIS_URL, REDIS_CLUSTER=true),
 * N web and M worker processes of the relay started exactly as in production (the fault suite's
 * RelayProcess) with `QUEUE_SHARDS`, the counting HTTP PBX, and many accounts (the sharding key),
 * each with its own key and `other` connection, provisioned over the admin API.
 */
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { CALL_QUEUE } from '../../shared/call-job.js';
import { Shards } from '../../shared/shards.js';
import { CountingPbx } from '../faults/counting-pbx.js';
import { logDirOf } from '../faults/fault-rig.js';
import { RelayProcess, startWebProcess } from '../faults/processes.js';
import { CLUSTER_SEEDS, ClusterNodes, masterOfSlot } from './cluster-nodes.js';

const ADMIN_TOKEN = 'cluster-suite-admin-token-0123456789';

export interface ClusterRigOptions {
  name: string;
  /**
   * The scenario's REDIS_PREFIX. Fixed, not random: where the shards land depends on it, and each
   * run starts a fresh cluster (scripts/test-cluster.sh), so no scenario ever sees another's keys.
   */
  prefix: string;
  webs: number;
  workers: number;
  accounts: number;
  shards: number;
  /**
   * Exactly `accounts / shards` accounts on each shard: accounts are created until every shard has
   * its share (the others are left unused). Ids land on shards by a hash (uniform over many ids, a
   * unit test shows), but 90 draws leave one shard under 20 % about once in a hundred runs.
   */
  evenShards?: boolean;
  /** `timeout_ms` of each account's `other` connection. */
  otherTimeoutMs?: number;
}

export interface ClusterAccount {
  index: number;
  id: string;
  apiKey: string;
  keyId: string;
}

export class ClusterRig {
  readonly webs: RelayProcess[] = [];
  readonly workers: RelayProcess[] = [];
  readonly bases: string[] = [];
  readonly accounts: ClusterAccount[] = [];
  readonly shards: Shards;
  private workerCount = 0;
  private readonly queues = new Map<number, Queue>();
  private queueRedis: Cluster | undefined;
  private readonly env: Record<string, string>;

  private constructor(
    readonly options: ClusterRigOptions,
    readonly prefix: string,
    readonly nodes: ClusterNodes,
    readonly pbx: CountingPbx,
    readonly logDir: string,
  ) {
    this.shards = new Shards(prefix, options.shards, true);
    this.env = {
      REDIS_URL: CLUSTER_SEEDS,
      REDIS_CLUSTER: 'true',
      QUEUE_SHARDS: String(options.shards),
      REDIS_PREFIX: prefix,
      C2C_MASTER_KEY: randomBytes(32).toString('base64'),
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      ALLOW_PRIVATE_PBX_ADDRESSES: 'true',
      QUEUE_MAX_AGE_SECONDS: '20',
      SHUTDOWN_TIMEOUT_MS: '3000',
    };
  }

  static async start(options: ClusterRigOptions): Promise<ClusterRig> {
    const nodes = ClusterNodes.fromEnv();
    await nodes.waitHealthy();
    const rig = new ClusterRig(options, options.prefix, nodes, await CountingPbx.start(), logDirOf(`cluster-${options.name}`));
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

  async startWorker(): Promise<RelayProcess> {
    this.workerCount += 1;
    const name = `worker-${this.workerCount}`;
    const worker = await RelayProcess.start('worker', name, { ...this.env, SERVER_ID: name, WORKER_CONCURRENCY: '200' }, this.logDir);
    this.workers.push(worker);
    return worker;
  }

  async admin(method: string, path: string, body?: unknown, base = this.bases[0]): Promise<any> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`admin ${method} ${path}: HTTP ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  private async provision(): Promise<void> {
    /** Provisions account `index` (created here, or `created` already). */
    const one = async (index: number, created?: string): Promise<ClusterAccount> => {
      const id = created ?? ((await this.admin('POST', '/admin/v1/accounts', { name: `Cluster ${this.options.name} ${index}` })).account.id as string);
      const key = await this.admin('POST', `/admin/v1/accounts/${id}/keys`, { label: 'cluster' });
      await this.admin('PUT', `/admin/v1/accounts/${id}/pbx/other`, { url: this.pbx.urlTemplate, timeout_ms: this.options.otherTimeoutMs ?? 10_000 });
      // The load is the point: no rate or concurrency limit may refuse it.
      await this.admin('PUT', `/admin/v1/accounts/${id}/policy`, { rate_per_minute: 1_000_000, max_concurrent: 10_000 });
      return { index, id, apiKey: key.key.api_key as string, keyId: key.key.id as string };
    };
    if (!this.options.evenShards) {
      for (let i = 0; i < this.options.accounts; i += 10) {
        const batch = Array.from({ length: Math.min(10, this.options.accounts - i) }, (_, j) => one(i + j));
        this.accounts.push(...(await Promise.all(batch)));
      }
      return;
    }
    const perShard = Math.ceil(this.options.accounts / this.options.shards);
    const taken = new Map<number, number>();
    while (this.accounts.length < perShard * this.options.shards) {
      const created = await Promise.all(Array.from({ length: 10 }, () => this.admin('POST', '/admin/v1/accounts', { name: `Cluster ${this.options.name} spare` })));
      const wanted: string[] = [];
      for (const { account } of created) {
        const shard = this.shards.ofAccount(account.id as string);
        if ((taken.get(shard) ?? 0) >= perShard) continue;
        taken.set(shard, (taken.get(shard) ?? 0) + 1);
        wanted.push(account.id as string);
      }
      this.accounts.push(...(await Promise.all(wanted.map((id, j) => one(this.accounts.length + j, id)))));
    }
  }

  /** The slot and master port of each shard's hash tag, as the cluster sees it now. */
  async shardPlacement(): Promise<{ shard: number; slot: number; master: number | undefined }[]> {
    const masters = await this.nodes.masters();
    return Promise.all(
      this.shards.all().map(async (shard) => {
        const slot = await this.nodes.keyslot(`${this.shards.keyPrefix(shard)}:x`);
        return { shard, slot, master: masterOfSlot(masters, slot)?.port };
      }),
    );
  }

  /** Request id → master port, from where each status document really is (SCAN of every master). */
  async statusDocumentsByMaster(): Promise<Map<number, Set<string>>> {
    const byMaster = new Map<number, Set<string>>();
    for (const master of await this.nodes.masters()) {
      const ids = new Set<string>();
      for (const key of await this.nodes.scanKeys(master.port, `${this.prefix}:*st:*`)) {
        const id = /:st:([0-9a-f-]{36})$/.exec(key)?.[1];
        if (id) ids.add(id);
      }
      byMaster.set(master.port, ids);
    }
    return byMaster;
  }

  httpDialCounts(): Map<string, number> {
    return new Map(this.pbx.ids().map((id) => [id, this.pbx.count(id)]));
  }

  /** The call job's BullMQ state, in the queue of the shard its request id names. */
  async jobState(id: string): Promise<string> {
    const shard = this.shards.ofRequest(id);
    if (shard === undefined) return 'unknown';
    if (!this.queueRedis) {
      const seeds = CLUSTER_SEEDS.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(new URL(seed).port) }));
      this.queueRedis = new Cluster(seeds, { redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1000 }, retryDelayOnClusterDown: 200 });
      this.queueRedis.on('error', () => {});
    }
    let queue = this.queues.get(shard);
    if (!queue) {
      queue = new Queue(CALL_QUEUE, { connection: this.queueRedis, prefix: this.shards.queuePrefix(shard) });
      queue.on('error', () => {});
      this.queues.set(shard, queue);
    }
    return queue.getJobState(id);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.webs, ...this.workers].map((process) => process.stop()));
    await Promise.allSettled([...[...this.queues.values()].map((queue) => queue.close()), this.pbx.close()]);
    this.queueRedis?.disconnect();
    this.nodes.close();
  }
}

/**
 * The real Redis Cluster the suite runs on (started by scripts/start-redis-cluster.sh), seen node by
 * node: who is master of which slots, how many keys and commands each master holds, and the faults
 * the suite injects (SIGKILL a master, restart it from its redis.conf so that it rejoins as a replica).
 * Every question is asked of each node directly, never through a cluster client, so what is counted
 * is where the data really is.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../support/eventually.js';

export interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId: string | undefined;
  /** Slot ranges, inclusive, for a master. */
  slots: [number, number][];
}

/** Seeds from REDIS_URL (comma-separated `redis://host:port`), the cluster's directory from REDIS_CLUSTER_DIR. */
export const CLUSTER_SEEDS = process.env.REDIS_URL ?? '';
const CLUSTER_DIR = process.env.REDIS_CLUSTER_DIR;

/** Commands the suite itself sends to each node, left out of the per-master command counts. */
const OWN_COMMANDS = new Set(['info', 'scan', 'dbsize', 'cluster', 'ping', 'client', 'command', 'hello', 'pubsub', 'config']);

export class ClusterNodes {
  private readonly clients = new Map<number, Redis>();

  constructor(private readonly ports: number[]) {}

  static fromEnv(): ClusterNodes {
    const ports = CLUSTER_SEEDS.split(',')
      .filter((seed) => seed !== '')
      .map((seed) => Number(new URL(seed).port));
    if (ports.length === 0 || process.env.REDIS_CLUSTER !== 'true') {
      throw new Error('the cluster suite needs REDIS_CLUSTER=true and REDIS_URL naming the seed nodes: run it with npm run test:cluster');
    }
    return new ClusterNodes(ports);
  }

  /** A plain connection to one node (not a cluster client): fails fast when the node is down. */
  node(port: number): Redis {
    let client = this.clients.get(port);
    if (!client) {
      client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000, commandTimeout: 2000, lazyConnect: true, retryStrategy: () => null });
      client.on('error', () => {});
      this.clients.set(port, client);
    }
    return client;
  }

  private async ask<T>(port: number, run: (client: Redis) => Promise<T>): Promise<T> {
    const client = this.node(port);
    if (client.status === 'end' || client.status === 'close') {
      this.clients.delete(port);
      client.disconnect();
      return this.ask(port, run);
    }
    if (client.status === 'wait') await client.connect();
    return run(client);
  }

  /** The topology as the first node that answers sees it (failed nodes left out). */
  async topology(): Promise<ClusterNode[]> {
    let lastError: unknown;
    for (const port of this.ports) {
      try {
        const text = (await this.ask(port, (client) => client.call('CLUSTER', 'NODES'))) as string;
        return parseClusterNodes(text);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  async masters(): Promise<ClusterNode[]> {
    return (await this.topology()).filter((node) => node.role === 'master' && node.slots.length > 0).sort((a, b) => a.slots[0]![0] - b.slots[0]![0]);
  }

  async keyslot(key: string): Promise<number> {
    return Number(await this.ask(this.ports[0]!, (client) => client.call('CLUSTER', 'KEYSLOT', key)));
  }

  /** The keys of one node matching `match` (SCAN, so the node keeps serving while it is counted). */
  async scanKeys(port: number, match: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.ask(port, (client) => client.scan(cursor, 'MATCH', match, 'COUNT', 1000));
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  async dbsize(port: number): Promise<number> {
    return this.ask(port, (client) => client.dbsize());
  }

  /** Calls per command since the node started (INFO commandstats), less the suite's own probes. */
  async commandCalls(port: number): Promise<number> {
    const info = await this.ask(port, (client) => client.info('commandstats'));
    let total = 0;
    for (const match of info.matchAll(/^cmdstat_([a-z_|-]+):calls=(\d+)/gm)) {
      const command = (match[1] as string).split('|')[0] as string;
      if (!OWN_COMMANDS.has(command)) total += Number(match[2]);
    }
    return total;
  }

  /** Subscribers of `channel` on each node (PUBSUB NUMSUB is per node on a cluster). */
  async subscribersOf(channel: string): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const node of await this.topology()) {
      const reply = (await this.ask(node.port, (client) => client.call('PUBSUB', 'NUMSUB', channel))) as [string, number];
      counts.set(node.port, Number(reply[1]));
    }
    return counts;
  }

  /** `master` or `slave`, as the node itself says (ROLE); undefined when it does not answer. */
  async role(port: number): Promise<string | undefined> {
    const reply = (await this.ask(port, (client) => client.call('ROLE')).catch(() => undefined)) as unknown[] | undefined;
    return reply?.[0] as string | undefined;
  }

  /** SIGKILL the node's redis-server (its pid from INFO): no shutdown, no final fsync. */
  async kill(port: number): Promise<void> {
    const info = await this.ask(port, (client) => client.info('server'));
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    if (!(pid > 0)) throw new Error(`no process_id in INFO of node ${port}`);
    process.kill(pid, 'SIGKILL');
    this.clients.get(port)?.disconnect();
    this.clients.delete(port);
    await eventually(() => !processAlive(pid), { timeoutMs: 5000, intervalMs: 20 });
  }

  /** Starts a killed node again from its redis.conf (same port, AOF and nodes.conf): it rejoins the cluster. */
  async restart(port: number): Promise<void> {
    if (!CLUSTER_DIR) throw new Error('REDIS_CLUSTER_DIR is not set: cannot restart a node');
    const child = spawn('redis-server', [join(CLUSTER_DIR, String(port), 'redis.conf')], { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`redis-server ${port} did not start (exit ${code}); see ${join(CLUSTER_DIR, String(port), 'redis.log')}`);
    await eventually(async () => (await this.ask(port, (client) => client.ping())) === 'PONG', { timeoutMs: 10_000, intervalMs: 100 });
  }

  /** Whether every node that answers says cluster_state:ok and three masters cover all 16384 slots. */
  async healthy(expectedMasters = 3): Promise<boolean> {
    const nodes = await this.topology().catch(() => []);
    const masters = nodes.filter((node) => node.role === 'master' && node.slots.length > 0);
    const covered = masters.reduce((sum, node) => sum + node.slots.reduce((n, [lo, hi]) => n + hi - lo + 1, 0), 0);
    if (masters.length !== expectedMasters || covered !== 16384) return false;
    for (const node of nodes) {
      const info = (await this.ask(node.port, (client) => client.call('CLUSTER', 'INFO')).catch(() => '')) as string;
      if (!info.includes('cluster_state:ok')) return false;
    }
    return true;
  }

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await eventually(() => this.healthy(), { timeoutMs, intervalMs: 100 });
  }

  close(): void {
    for (const client of this.clients.values()) client.disconnect();
    this.clients.clear();
  }
}

/** `CLUSTER NODES` lines of live nodes: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`. */
export function parseClusterNodes(text: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split('\n')) {
    const [id, address, flags, master, , , , link, ...slots] = line.trim().split(' ');
    if (!id || !address || !flags || /fail|handshake|noaddr/.test(flags) || link !== 'connected') continue;
    const port = Number(/:(\d+)@/.exec(address)?.[1]);
    nodes.push({
      id,
      port,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? undefined : master,
      slots: slots
        .filter((slot) => !slot.startsWith('['))
        .map((slot) => {
          const [lo, hi] = slot.split('-').map(Number);
          return [lo as number, hi ?? (lo as number)];
        }),
    });
  }
  return nodes;
}

export function masterOfSlot(masters: ClusterNode[], slot: number): ClusterNode | undefined {
  return masters.find((node) => node.slots.some(([lo, hi]) => slot >= lo && slot <= hi));
}

/** Alive and not a zombie (a daemonized redis-server is reaped by whoever adopted it, in its own time). */
function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

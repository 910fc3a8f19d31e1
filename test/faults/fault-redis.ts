/**
 * A private redis-server for the fault suite, configured like production (AOF, `appendfsync
 * everysec`), that can be killed with SIGKILL and started again on the same port and directory.
 * (test/support/redis-server.ts fsyncs every write, which hides what `everysec` can lose.)
 *
 * Its port is reserved for the whole run (see `reservePort`), so that nothing else can take it while
 * Redis is down, and a start is only taken for done once the server that answers on the port is the
 * one just spawned (its `process_id`): a Redis of another scenario must never be mistaken for ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { reservePort, track } from './processes.js';

const START_TIMEOUT_MS = 10_000;
/** Tries of a first start, each on a new port, when the server cannot bind the one it was given. */
const START_ATTEMPTS = 3;

class BindError extends Error {}

export class FaultRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'c2c-fault-redis-'));

  private constructor(
    private portNumber: number,
    /** redis-server's own log (startup, AOF loading, bind errors). */
    readonly logFile: string,
  ) {}

  static async start(logDir: string): Promise<FaultRedis> {
    const redis = new FaultRedis(await reservePort(), join(logDir, 'redis-server.log'));
    for (let attempt = 1; ; attempt++) {
      try {
        await redis.restart();
        return redis;
      } catch (err) {
        // Only a port something outside the suite took between the check and the bind is retried.
        if (!(err instanceof BindError) || attempt >= START_ATTEMPTS) {
          rmSync(redis.dir, { recursive: true, force: true });
          throw err;
        }
        redis.portNumber = await reservePort();
      }
    }
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server (again) on the same port and AOF directory, and waits until it answers. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'];
    const log = openSync(this.logFile, 'a');
    const logStart = statSync(this.logFile).size;
    let child: ChildProcess;
    try {
      child = track(spawn('redis-server', args, { stdio: ['ignore', log, log] }));
    } finally {
      closeSync(log);
    }
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => {
        const output = readFileSync(this.logFile, 'utf8').slice(logStart);
        const message = `redis-server on port ${this.port} exited (${code ?? signal}) before it answered; see ${this.logFile}`;
        reject(/Address already in use|Could not create server TCP listening socket/i.test(output) ? new BindError(message) : new Error(message));
      }),
    );
    exited.catch(() => {});
    const deadline = Date.now() + START_TIMEOUT_MS;
    try {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) await exited;
        const pid = await this.serverPid();
        if (pid === child.pid) return;
        if (pid !== undefined) throw new Error(`port ${this.port} is answered by another redis-server (pid ${pid}), not the one just started (pid ${child.pid})`);
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within ${START_TIMEOUT_MS} ms; see ${this.logFile}`);
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  /** The `process_id` of the redis-server answering on the port once it is ready (AOF loaded), if any. */
  private async serverPid(): Promise<number | undefined> {
    // ioredis' ready check waits while the server is still loading its AOF.
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      const info = await probe.info('server');
      const pid = /^process_id:(\d+)/m.exec(info)?.[1];
      return pid === undefined ? -1 : Number(pid);
    } catch {
      return undefined;
    } finally {
      probe.disconnect();
    }
  }

  /** `kill -9`: no shutdown, no final fsync. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

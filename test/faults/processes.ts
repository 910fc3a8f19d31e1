/**
 * The relay's two Procfile processes started as real OS processes (`node --import tsx api/main.ts`,
 * `… worker/main.ts`), each logging to its own file, and a registry that SIGKILLs every child this
 * suite started when the test process exits, whatever way it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ENTRY = { web: 'api/main.ts', worker: 'worker/main.ts' } as const;
const READY = { web: 'web ready', worker: 'worker ready' } as const;
const START_TIMEOUT_MS = 30_000;

const children = new Set<ChildProcess>();

/**
 * FAULTS_PID_DIR holds one file per test process (mocha runs scenario files in parallel) listing
 * its children alive, for scripts/test-faults.sh to kill should a test process itself be killed.
 */
function writePidFile(): void {
  const dir = process.env.FAULTS_PID_DIR;
  if (dir) writeFileSync(join(dir, `${process.pid}.pids`), [...children].map((child) => `${child.pid}\n`).join(''));
}

function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  writePidFile();
}
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

/** Registers a child so it is killed when the suite's process exits. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  writePidFile();
  child.once('exit', () => {
    children.delete(child);
    writePidFile();
  });
  return child;
}

/**
 * Ports for servers the suite starts itself and that bind later, or again (redis-server, which is
 * killed and restarted on the same port; the web processes, which bind seconds after spawn). Asking
 * the kernel for a free port (bind 0, close) is not enough for those: until the server binds, and
 * while Redis is down, the port is free for anyone, and everything else on the machine (the other
 * scenario file mocha runs alongside, its proxy and PBX doubles, every outgoing connection's local
 * port) draws from the same ephemeral range. So these ports come from below that range, where the
 * kernel never hands one out, and each is claimed for the suite's run with a file created
 * exclusively in a directory all of mocha's processes share: no two scenarios ever get the same one.
 */
const PORT_DIR = process.env.FAULTS_PORT_DIR ?? join(tmpdir(), 'c2c-fault-ports');
const claimedPorts = new Set<number>();

function reservedRange(): { low: number; high: number } {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // Not Linux: the usual default.
  }
  // 8000 ports just below the ephemeral range (or, should that range start low, just above 10000).
  return ephemeralLow > 10_000 + 8000 ? { low: ephemeralLow - 8000, high: ephemeralLow - 1 } : { low: 10_000, high: 17_999 };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims `port` for this process: false if another live process of the suite holds it. */
function claim(port: number): boolean {
  const file = join(PORT_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      claimedPorts.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A claim left by a process that is gone (a run killed without its cleanup) is taken over.
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner > 0 && pidAlive(owner)) return false;
      try {
        unlinkSync(file);
      } catch {
        // Someone else took it over first.
      }
    }
  }
  return false;
}

function releaseClaims(): void {
  for (const port of claimedPorts) {
    try {
      unlinkSync(join(PORT_DIR, String(port)));
    } catch {
      // Already gone.
    }
  }
  claimedPorts.clear();
}
process.on('exit', releaseClaims);

async function bindable(port: number, host?: string): Promise<boolean> {
  return new Promise((resolveBindable) => {
    const server = createServer();
    server.once('error', () => resolveBindable(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolveBindable(true)));
  });
}

/** A port no other scenario of this run will use, and that nothing on the machine listens on now. */
export async function reservePort(): Promise<number> {
  mkdirSync(PORT_DIR, { recursive: true });
  const { low, high } = reservedRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (claimedPorts.has(port) || !claim(port)) continue;
    // Both the wildcard address (the web processes) and loopback (redis-server) must be free.
    if ((await bindable(port)) && (await bindable(port, '127.0.0.1'))) return port;
    // In use by something outside the suite: keep the claim (so nobody retries it) and look further.
  }
  throw new Error(`no free port in ${low}-${high} after 200 attempts (claims in ${PORT_DIR})`);
}

export type Role = keyof typeof ENTRY;

/**
 * Resolves once `marker` appears in the log file after `from`, read every 25 ms. The relay's logger
 * writes in blocks of 4 KB and more (shared/logger.ts): the line can be anywhere in a long read, so
 * each read is searched whole, with just enough of the previous one's tail for a line split between two.
 */
async function readyLine(child: ChildProcess, logFile: string, from: number, marker: string, name: string): Promise<void> {
  const exited = new Promise<never>((_, fail) => child.once('exit', (code, signal) => fail(new Error(`${name} exited (${code ?? signal}) before it was ready; see ${logFile}`))));
  exited.catch(() => undefined);
  const file = await open(logFile, 'r');
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let position = from;
    let tail = '';
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      position += bytesRead;
      const text = tail + buffer.toString('latin1', 0, bytesRead);
      if (text.includes(marker)) return;
      tail = text.slice(-marker.length);
      if (bytesRead === buffer.length) continue;
      if (Date.now() > deadline) throw new Error(`${name} not ready after ${START_TIMEOUT_MS} ms; see ${logFile}`);
      await Promise.race([exited, new Promise((resolveLater) => setTimeout(resolveLater, 25))]);
    }
  } finally {
    await file.close();
  }
}

export class RelayProcess {
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  /**
   * Starts one process with exactly `env` (plus PATH and HOME) and waits for its ready log line.
   * The process writes its log straight into its file: had it written into a pipe read by this
   * (busy) test process, a full pipe would stall it, since the relay's logger writes synchronously
   * and sleeps 100 ms on each EAGAIN (sonic-boom). That stalled the web processes for seconds while
   * the cluster failover scenario's load kept this process busy, and was timed as the relay's own.
   */
  static async start(role: Role, name: string, env: Record<string, string>, logDir: string): Promise<RelayProcess> {
    const logFile = join(logDir, `${name}.log`);
    const log = openSync(logFile, 'a');
    const logStart = fstatSync(log).size;
    let child: ChildProcess;
    try {
      child = track(
        spawn(process.execPath, ['--import', 'tsx', ENTRY[role]], {
          cwd: REPO,
          // FAULTS_RELAY_NODE_OPTIONS: for whoever investigates a failure (e.g. `--import` of a tracing module).
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(process.env.FAULTS_RELAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.FAULTS_RELAY_NODE_OPTIONS } : {}), ...env },
          stdio: ['ignore', log, log],
        }),
      );
    } finally {
      closeSync(log);
    }
    try {
      await readyLine(child, logFile, logStart, `"msg":"${READY[role]}"`, name);
    } catch (err) {
      // A process that never became ready is not left running (it would outlive its scenario's Redis).
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
      throw err;
    }
    return new RelayProcess(name, child, logFile);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }

  /**
   * At the end of a scenario: SIGTERM, so that the process writes out the last lines its logger
   * still holds (up to a second's worth, shared/logger.ts) for whoever reads the logs of a failure;
   * SIGKILL if it has not exited after `graceMs`.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts web process `n` on a reserved port. Should something outside the suite have taken the port
 * before the process bound it, the process is started again on another (three tries).
 */
export async function startWebProcess(n: number, env: Record<string, string>, logDir: string): Promise<{ web: RelayProcess; base: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await reservePort();
    const base = `http://127.0.0.1:${port}`;
    try {
      const web = await RelayProcess.start('web', `web-${n}`, { ...env, PORT: String(port), PUBLIC_BASE_URL: base, SERVER_ID: `web-${n}` }, logDir);
      return { web, base };
    } catch (err) {
      const log = await readFile(join(logDir, `web-${n}.log`), 'utf8').catch(() => '');
      if (attempt >= 3 || !log.includes('EADDRINUSE')) throw err;
    }
  }
}

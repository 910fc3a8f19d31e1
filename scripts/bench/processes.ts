import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Child {
  name: string;
  process: ChildProcess;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The runtime flags every measured process gets, baseline included: the README's recommended
 * NODE_OPTIONS (a 16 MB young-generation semi-space, which Node 22+ otherwise grows to 64 MB on a
 * large machine, and a 256 MB old generation, which V8 otherwise lets grow freely: both cost RSS
 * without making the relay faster). BENCH_NODE_OPTIONS replaces them.
 */
const RUNTIME_FLAGS = process.env.BENCH_NODE_OPTIONS ?? '--max-semi-space-size=16 --max-old-space-size=256';

/**
 * The Node binary of every process the bench starts (baselines, relay, doubles): BENCH_NODE, or the
 * Node running the bench. The load generator stays on the bench's own Node.
 */
export const BENCH_NODE = process.env.BENCH_NODE ?? process.execPath;

/** Starts a built script with BENCH_NODE; output goes to <logDir>/<name>.log. */
export function spawnNode(script: string, args: string[], env: Record<string, string>, logDir: string, name: string): Child {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  // BENCH_PROFILE=1 writes a V8 CPU profile per process into the log folder, to see where time goes.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${logDir}`] : [];
  const nodeOptions = [process.env.NODE_OPTIONS, RUNTIME_FLAGS].filter(Boolean).join(' ');
  const child = spawn(BENCH_NODE, [...profile, script, ...args], { env: { ...process.env, NODE_OPTIONS: nodeOptions, ...env }, stdio: ['ignore', log, log] });
  return { name, process: child };
}

export async function stop(child: Child): Promise<void> {
  // Already gone: by itself (exitCode) or by a signal (signalCode), when 'exit' will not come again.
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill('SIGTERM');
    setTimeout(() => child.process.kill('SIGKILL'), 5000).unref();
  });
}

/** Peak resident memory of a process so far (Linux VmHWM), in MB. */
export function peakRssMb(child: Child): number {
  try {
    const status = readFileSync(`/proc/${child.process.pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

export async function waitForHttp(url: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ on every supported platform

/** CPU time (user + system) a process has used so far, in ms; 0 when it cannot be read. */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name, which may contain spaces: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The whole machine's CPU time so far, in ticks of all cores: busy, idle (iowait included) and stolen by the hypervisor. */
export interface MachineTicks {
  busy: number;
  idle: number;
  steal: number;
}

/** Pure: `/proc/stat`'s first line as MachineTicks (guest time is already inside user time), or undefined when it is not there. */
export function parseMachineTicks(stat: string): MachineTicks | undefined {
  const match = /^cpu\s+(.*)$/m.exec(stat);
  if (!match) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = (match[1] ?? '').trim().split(/\s+/).map(Number);
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

/** The machine's ticks now; undefined where there is no /proc/stat. */
export function machineTicks(): MachineTicks | undefined {
  try {
    return parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Pure: how the machine's cores spent a measured interval, in per cent: busy, and stolen by the
 * hypervisor (a neighbour's load, which drifts the ratios of a run). Undefined without both readings.
 */
export function machineShares(before: MachineTicks | undefined, after: MachineTicks | undefined): { busy: number; steal: number } | undefined {
  if (!before || !after) return undefined;
  const busy = after.busy - before.busy;
  const steal = after.steal - before.steal;
  const total = busy + steal + after.idle - before.idle;
  return total > 0 ? { busy: (100 * busy) / total, steal: (100 * steal) / total } : undefined;
}

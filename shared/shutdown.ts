import type { Logger } from 'pino';

interface Step {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/**
 * Shutdown as named, ordered steps under one deadline. Running it twice runs it once; a step that
 * throws is logged and the next one still runs. Resolves true when every step finished in time.
 */
export class Shutdown {
  private readonly steps: Step[] = [];
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs: number,
  ) {}

  add(name: string, run: Step['run']): this {
    this.steps.push({ name, run });
    return this;
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  run(): Promise<boolean> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<boolean> {
    const deadline = Date.now() + this.deadlineMs;
    for (const step of this.steps) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.logger.error({ step: step.name }, 'shutdown deadline passed');
        return false;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      });
      try {
        const outcome = await Promise.race([Promise.resolve().then(step.run), timedOut]);
        if (outcome === 'timeout') {
          this.logger.error({ step: step.name }, 'shutdown deadline passed');
          return false;
        }
        this.logger.info({ step: step.name }, 'shutdown step done');
      } catch (err) {
        this.logger.error({ err, step: step.name }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
    return true;
  }
}

/** Wires SIGTERM/SIGINT to the shutdown; exits non-zero when the deadline passed. Only main.ts calls this. */
export function exitOnSignals(shutdown: Shutdown): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void shutdown.run().then((ok) => process.exit(ok ? 0 : 1));
    });
  }
}

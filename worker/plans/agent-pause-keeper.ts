import type { Logger } from 'pino';
import type { AccountStore } from '../../shared/accounts/account-store.js';
import { toAppError } from '../../shared/errors.js';
import type { DriverCache } from '../pbx/driver-cache.js';
import { phoneIsIdle } from './agent-availability.js';
import { restoreAgent } from './agent-call.js';
import type { AgentPause, AgentPauseLedger } from './agent-pause-ledger.js';

export interface AgentPauseKeeperDeps {
  ledger: AgentPauseLedger;
  accounts: AccountStore;
  drivers: DriverCache;
  logger: Logger;
  intervalMs: number;
  now?: () => number;
}

/**
 * Restores agents whose pause nobody vouches for any more: the worker that paused them restarted,
 * or lost the PBX connection and so the end of the call. An agent is restored once their phone is
 * idle (the call is over), never while it may still be on the call. Every worker runs one; a
 * restore done twice is harmless (the same earlier state is set again).
 */
export class AgentPauseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AgentPauseKeeperDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sweep()).catch((err: unknown) => this.deps.logger.warn({ err }, 'agent pause sweep failed'));
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the pauses nobody vouches for. */
  async sweep(): Promise<void> {
    const now = (this.deps.now ?? Date.now)();
    for (const pause of await this.deps.ledger.unvouched(now)) await this.tryRestore(pause);
  }

  private async tryRestore(pause: AgentPause): Promise<void> {
    const log = this.deps.logger.child({ request_id: pause.request_id, queue: pause.queue });
    const loaded = await this.deps.accounts.loadPbx(pause.account_id, pause.pbx);
    if (!loaded) {
      // The connection is gone: nothing can be restored on it any more.
      await this.deps.ledger.release(pause);
      return;
    }
    const lease = this.deps.drivers.lease(pause.account_id, pause.pbx, loaded.revision, loaded.open);
    try {
      const agents = lease.driver.agents;
      if (!agents) return void (await this.deps.ledger.release(pause));
      if (!phoneIsIdle(await agents.member(pause.queue, pause.interface))) return;
      await restoreAgent(agents, this.deps.ledger, pause);
      log.info({ paused: pause.earlier.paused, reason: pause.earlier.reason }, 'agent restored by the pause keeper');
    } catch (err) {
      log.warn({ code: toAppError(err).code }, 'agent not restored yet');
    } finally {
      lease.release();
    }
  }
}

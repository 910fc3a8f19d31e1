/**
 * A subroutine the PBX's owner installs once (README) for an option the relay can only do from the
 * dialplan without the `system` class: recording (`c2c-relay-record`), SIP headers
 * (`c2c-relay-sip-headers`). Without it Dial would go on without the option (a Gosub to a missing
 * context only logs a warning), so the relay checks it exists first, with `Getvar DIALPLAN_EXISTS`
 * (class `call` or `reporting`), and remembers a positive answer briefly.
 */
import { AppError } from '../../../shared/errors.js';
import { headerValue } from './ami-codec.js';
import type { AmiSend } from './dial-as-lookup.js';

export class DialplanSubroutine {
  private checkedUntil = 0;

  constructor(
    readonly context: string,
    /** How the connection check names it, e.g. `recording subroutine`. */
    private readonly label: string,
    /** The option that needs it, e.g. `record=1`. */
    private readonly option: string,
    private readonly send: AmiSend,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws `unsupported_option` (nothing dialed) when the PBX lacks the subroutine. */
  async ensure(): Promise<void> {
    if (this.checkedUntil > this.now()) return;
    const found = await this.exists();
    if (found.refused !== undefined) throw new AppError('pbx_error', found.refused);
    if (!found.exists) {
      throw new AppError('unsupported_option', `${this.option} needs the "${this.context}" dialplan context on the PBX (see the README); nothing was dialed.`);
    }
    this.checkedUntil = this.now() + this.ttlMs;
  }

  /** For the connection check: one line on the subroutine, which never makes the check fail. */
  async describe(): Promise<string> {
    const found = await this.exists();
    if (found.refused !== undefined) return `${this.label} ${this.context}: not checked (${found.refused})`;
    return `${this.label} ${this.context}: ${found.exists ? 'present' : `absent (${this.option} is refused)`}`;
  }

  private async exists(): Promise<{ exists: boolean; refused?: string }> {
    const reply = await this.send([
      ['Action', 'Getvar'],
      ['Variable', `DIALPLAN_EXISTS(${this.context},s,1)`],
    ]);
    if (headerValue(reply.response, 'Response') !== 'Success') {
      return { exists: false, refused: `Getvar: ${headerValue(reply.response, 'Message') ?? 'failed'}` };
    }
    return { exists: headerValue(reply.response, 'Value') === '1' };
  }
}

/**
 * Recording (SPEC §8) with the least AMI privilege. The MixMonitor AMI action needs the `system`
 * class (app_mixmonitor.c), and so does an Originate of the MixMonitor application (manager.c's
 * blacklist); `system` also lets the user read SIP passwords and run shell commands. Instead leg
 * 2's Dial runs a small subroutine the PBX's owner installs (README) with `U()` once leg 2 has
 * answered and heard the warning: it starts MixMonitor on the answered channel, recording only
 * while the parties are bridged. The relay passes only the request id and the format; the
 * subroutine chooses the directory, so the AMI user cannot make Asterisk write anywhere else.
 * Without the subroutine Dial would go on unrecorded, so the relay checks it exists first.
 */
import { ASTERISK_RECORDING_DEFAULTS, type AsteriskSettings } from '../../../shared/accounts/pbx-settings.js';
import { AppError } from '../../../shared/errors.js';
import { headerValue } from './ami-codec.js';
import type { AmiSend } from './dial-as-lookup.js';

export interface RecordingPlan {
  /** Where the PBX writes the file: `<recording_dir>/c2c-<request id>.<format>`. */
  path: string;
  subroutine: { context: string; args: string[] };
  warningPrompt: string;
}

export function recordingPlan(settings: AsteriskSettings, requestId: string): RecordingPlan {
  const format = settings.recording_format ?? ASTERISK_RECORDING_DEFAULTS.recording_format;
  const dir = (settings.recording_dir ?? ASTERISK_RECORDING_DEFAULTS.recording_dir).replace(/\/+$/, '');
  return {
    path: `${dir}/c2c-${requestId}.${format}`,
    subroutine: { context: subroutineContext(settings), args: [requestId, format] },
    warningPrompt: settings.recording_warning ?? ASTERISK_RECORDING_DEFAULTS.recording_warning,
  };
}

function subroutineContext(settings: AsteriskSettings): string {
  return settings.recording_context ?? ASTERISK_RECORDING_DEFAULTS.recording_context;
}

/** Checks (and briefly remembers) that the recording subroutine exists, with `Getvar DIALPLAN_EXISTS`. */
export class RecordingSubroutine {
  private checkedUntil = 0;

  constructor(
    private readonly settings: AsteriskSettings,
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
      throw new AppError(
        'unsupported_option',
        `record=1 needs the "${subroutineContext(this.settings)}" dialplan context on the PBX (see the README); nothing was dialed.`,
      );
    }
    this.checkedUntil = this.now() + this.ttlMs;
  }

  /** For the connection check: one line on the subroutine, which never makes the check fail. */
  async describe(): Promise<string> {
    const found = await this.exists();
    const context = subroutineContext(this.settings);
    if (found.refused !== undefined) return `recording subroutine ${context}: not checked (${found.refused})`;
    return `recording subroutine ${context}: ${found.exists ? 'present' : 'absent (record=1 is refused)'}`;
  }

  private async exists(): Promise<{ exists: boolean; refused?: string }> {
    const reply = await this.send([
      ['Action', 'Getvar'],
      ['Variable', `DIALPLAN_EXISTS(${subroutineContext(this.settings)},s,1)`],
    ]);
    if (headerValue(reply.response, 'Response') !== 'Success') {
      return { exists: false, refused: `Getvar: ${headerValue(reply.response, 'Message') ?? 'failed'}` };
    }
    return { exists: headerValue(reply.response, 'Value') === '1' };
  }
}

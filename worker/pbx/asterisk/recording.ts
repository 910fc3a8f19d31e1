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
import type { AmiSend } from './dial-as-lookup.js';
import { DialplanSubroutine } from './dialplan-subroutine.js';

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

/** The check that the connection's recording subroutine exists (dialplan-subroutine.ts). */
export function recordingSubroutine(settings: AsteriskSettings, send: AmiSend, ttlMs?: number): DialplanSubroutine {
  return new DialplanSubroutine(subroutineContext(settings), 'recording subroutine', 'record=1', send, ttlMs);
}

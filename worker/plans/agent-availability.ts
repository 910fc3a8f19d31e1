/** When an agent can take a click-to-agent call (SPEC §9), and when their phone is idle again. */
import type { QueueMemberState } from '../pbx/pbx-driver.js';

/** Device states in which the agent's phone is busy with something (Asterisk's numbering, asterisk-ami.md §5.5). */
const BUSY_STATES = new Map([
  [2, 'in use'],
  [3, 'busy'],
  [6, 'ringing'],
  [7, 'ringing while in use'],
  [8, 'on hold'],
]);

/** Why the agent cannot take a click-to-agent call now, in words for the caller; undefined when they can. */
export function unavailableBecause(state: QueueMemberState | undefined, okPauseReasons: readonly string[]): string | undefined {
  if (state === undefined) return 'not logged in to the queue';
  if (state.inCall) return 'on a queue call';
  const busy = BUSY_STATES.get(state.status);
  if (busy !== undefined) return `their phone is ${busy}`;
  if (state.status === 5 || state.status === 4) return 'their phone is unavailable (not registered)';
  if (state.paused && !okPauseReasons.includes(state.reason)) return state.reason === '' ? 'paused' : `paused (${state.reason})`;
  return undefined;
}

/** The phone is idle again: the call that paused the agent is over (used when its end could not be followed). */
export function phoneIsIdle(state: QueueMemberState | undefined): boolean {
  return state === undefined || (!state.inCall && !BUSY_STATES.has(state.status));
}

import type { PbxKind } from '../../shared/accounts/pbx-settings.js';
import { PBX_CAPABILITIES } from '../../shared/pbx-capabilities.js';
import type { CallState } from '../../shared/status/status-document.js';
import type { StatusChange } from '../../shared/status/status-store.js';
import { MAX_WAIT_SECONDS, type CallOptions, type WaitFor } from './call-options.js';

const ENDED: readonly CallState[] = ['failed', 'expired', 'completed', 'no_answer', 'busy'];

/** The states that settle each `wait_for`: what was waited for, or a failure that means it cannot come. */
const SETTLING: Record<WaitFor, readonly CallState[]> = {
  verdict: ['accepted', 'first_answered', 'connected', ...ENDED],
  answered: ['first_answered', 'connected', ...ENDED],
  connected: ['connected', ...ENDED],
};

/**
 * Whether a status change can be answered with. A call request whose outcome became unknown always
 * settles (nothing more will be learnt). A PBX that reports no call progress settles at its verdict
 * whatever `wait_for` asks: its `accepted` is the last thing the relay will know.
 */
export function settlesFor(waitFor: WaitFor, pbx: PbxKind): (change: StatusChange) => boolean {
  const states = PBX_CAPABILITIES[pbx].reportsProgress ? SETTLING[waitFor] : SETTLING.verdict;
  return (change) => states.includes(change.state) || (change.state === 'dispatching' && change.error !== undefined);
}

/**
 * Seconds the answer may wait. Unset `wait`: long enough for what is waited for — the verdict
 * (`DEFAULT_WAIT_SECONDS`, or `timeout` + 10 on a PBX that answers only once leg 1 has), leg 1
 * ringing out (`timeout` + 10), or both legs (2 × `timeout` + 10) — at most 130 s. A hunt passes its
 * whole ring time as `ringSeconds` (the list in turn, then the party called).
 */
export function defaultWait(options: CallOptions, pbx: PbxKind, defaultWaitSeconds: number, ringSeconds = 2 * options.timeout): number {
  if (options.wait !== undefined) return options.wait;
  // A hunt (ringSeconds beyond two legs) may need all of its ring time before anyone answers.
  const hunt = ringSeconds - options.timeout;
  const waited = options.waitFor === 'connected' ? ringSeconds : options.waitFor === 'answered' ? hunt : PBX_CAPABILITIES[pbx].holdsUntilFirstAnswer ? hunt : 0;
  return Math.min(waited === 0 ? defaultWaitSeconds : waited + 10, MAX_WAIT_SECONDS);
}

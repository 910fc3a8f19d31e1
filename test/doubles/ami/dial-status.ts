/**
 * The DIALSTATUS a Dial leaves on its caller when nobody answered, as apps/app_dial.c decides it:
 * dial_exec_full starts at NOANSWER once a target is called; wait_for_answer counts how each target
 * that ended on its own ended (handle_cause) and, only when none is left ringing and every one of
 * them counted, reports the "best" of them: BUSY before CONGESTION before CHANUNAVAIL. A target
 * still ringing at Dial's timeout, or one whose own ring time ran out (cause 19, not counted),
 * leaves NOANSWER. (ANSWER and CANCEL are set where the answer or the caller's hang-up happens.)
 */
import type { CallOutcome } from './ami-double-options.js';

type Failure = Exclude<CallOutcome['kind'], 'answer'>;

/**
 * handle_cause, by the cause the target's `;1` half hangs up with: 17 busy, 34 congestion, 19
 * (NO_ANSWER) nothing, and anything else, here 21 (rejected) and the double's invented
 * unreachable callee, "no channel".
 */
const COUNTS_AS: Record<Failure, 'busy' | 'congestion' | 'nochan' | undefined> = {
  busy: 'busy',
  congestion: 'congestion',
  noanswer: undefined,
  rejected: 'nochan',
  unavailable: 'nochan',
};

/**
 * `endedOnTheirOwn`: how each target that ended before the timeout ended; `targets`: how many
 * targets Dial called. Fewer ended than called means the timeout came first.
 */
export function dialStatusWithoutAnswer(endedOnTheirOwn: readonly Failure[], targets: number): string {
  if (endedOnTheirOwn.length < targets) return 'NOANSWER';
  const counted = endedOnTheirOwn.map((kind) => COUNTS_AS[kind]);
  if (counted.includes(undefined)) return 'NOANSWER';
  if (counted.includes('busy')) return 'BUSY';
  if (counted.includes('congestion')) return 'CONGESTION';
  return 'CHANUNAVAIL';
}

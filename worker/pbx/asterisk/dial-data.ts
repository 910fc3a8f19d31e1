/**
 * Leg 2 as the `Dial` application leg 1 runs once it answers (asterisk-ami.md §3.7 option 1):
 * `Local/<dial_second>@<context>,<timeout>,<options>`. The Local channel keeps routing and
 * permissions in the context the call is placed from, whatever that context's own ring time is,
 * and Dial's timeout bounds how long leg 2 rings. `Dial` needs only the `originate` class.
 *
 * Every part is one of the relay's validated values; the check below makes sure none can carry
 * a character Dial or its option parser gives a meaning to (`,` `(` `)` `^` `:` `&` `"` `\` …).
 */
import type { AsteriskRingback } from '../../../shared/endpoints/endpoint-settings.js';
import { AppError } from '../../../shared/errors.js';
import type { RecordingWarning } from '../../../shared/call-job.js';

export interface DialPlan {
  dialSecond: string;
  /** Several leg-2 numbers rung at once (Dial's `&`): the first to answer wins and Dial stops the others. */
  ringAll?: string[];
  /** Leg 2 is the README's hunt context, which rings the numbers of the call's C2C_HUNT_* variables in turn. */
  huntContext?: string;
  context: string;
  timeoutSeconds: number;
  /** Caller-ID number leg 2 is placed with (Dial `f()`) when it must differ from leg 1's. */
  forcedCallerId?: string;
  /** Prompts played after leg 2 answers, before the parties are bridged (Dial `A(called:calling)`). */
  announce?: { called?: string; calling?: string };
  /** Gosub run on the answered leg 2 after the prompts (Dial `U(context^arg^…)`). */
  calleeSubroutine?: { context: string; args: string[] };
  /** Gosub run on the new leg-2 channel before it is dialed (Dial `b(context^exten^priority)`). */
  preDialHandler?: { context: string; exten: string; priority: string };
  /** What the calling party (leg 1) hears while leg 2 rings: Dial `r(tone)` or `m(class)`. */
  ringback?: AsteriskRingback;
}

const SAFE_PART = /^[A-Za-z0-9_+*#/.-]+$/;

function safe(part: string, what: string): string {
  if (!SAFE_PART.test(part)) throw new AppError('invalid_request', `Invalid ${what} for an Asterisk Dial.`);
  return part;
}

/**
 * DialogTech's `warning` as Dial's announcement: 1 both parties, 2 the first leg (the agent, who
 * is Dial's calling party), 3 the second leg (the third party, Dial's called party), 0 none.
 */
export function warningPrompts(warning: RecordingWarning, prompt: string): DialPlan['announce'] {
  switch (warning) {
    case 0:
      return undefined;
    case 1:
      return { called: prompt, calling: prompt };
    case 2:
      return { calling: prompt };
    case 3:
      return { called: prompt };
  }
}

export function dialData(plan: DialPlan): string {
  const options: string[] = [];
  if (plan.forcedCallerId !== undefined) options.push(`f(${safe(plan.forcedCallerId, 'caller ID')})`);
  const { called, calling } = plan.announce ?? {};
  if (called !== undefined || calling !== undefined) {
    const parts = [called === undefined ? '' : safe(called, 'prompt'), ...(calling === undefined ? [] : [safe(calling, 'prompt')])];
    options.push(`A(${parts.join(':')})`);
  }
  if (plan.calleeSubroutine) {
    const { context, args } = plan.calleeSubroutine;
    options.push(`U(${[context, ...args].map((part) => safe(part, 'subroutine argument')).join('^')})`);
  }
  if (plan.preDialHandler) {
    const { context, exten, priority } = plan.preDialHandler;
    options.push(`b(${[context, exten, priority].map((part) => safe(part, 'pre-dial handler')).join('^')})`);
  }
  if (plan.ringback?.kind === 'tone') options.push(`r(${safe(plan.ringback.tone, 'ringback tone')})`);
  if (plan.ringback?.kind === 'music') options.push(`m(${safe(plan.ringback.musicClass, 'ringback class')})`);
  const context = safe(plan.context, 'context');
  const targets =
    plan.huntContext !== undefined ? [`Local/s@${safe(plan.huntContext, 'hunt context')}`] : (plan.ringAll ?? [plan.dialSecond]).map((number) => `Local/${safe(number, 'dial_second')}@${context}`);
  return [targets.join('&'), String(plan.timeoutSeconds), ...(options.length > 0 ? [options.join('')] : [])].join(',');
}

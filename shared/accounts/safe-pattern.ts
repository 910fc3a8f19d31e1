import { isSafePattern } from 'redos-detector';
import { AppError } from '../errors.js';

/**
 * Operator-supplied regular expressions (policy patterns, an `other` PBX's `success_match`) run in
 * V8's backtracking engine, where an ambiguous pattern takes exponential or polynomial time on a
 * hostile input. redos-detector proves a pattern unambiguous before we accept it.
 *
 * The pattern is analysed anchored at both ends, the way a whole number is checked: `((\d)+)+` alone
 * happens to stop at its first match, but the same pattern followed by anything (`$`, a digit) takes
 * seconds on 30 digits. A pattern is accepted only if it stays linear however it is used.
 */
const CHECK_TIMEOUT_MS = 1000;

/** Verdicts by pattern: stored policies are checked again when compiled, and most accounts share the defaults. */
const verdicts = new Map<string, string | undefined>();
const MAX_VERDICTS = 10_000;

function problemOf(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  let result: ReturnType<typeof isSafePattern>;
  try {
    // The analysis itself is bounded: what cannot be proven safe in time is refused.
    result = isSafePattern(`^(?:${pattern})$`, { timeout: CHECK_TIMEOUT_MS });
  } catch {
    return 'uses a construct that cannot be checked for catastrophic backtracking; rewrite it with plain groups, classes and quantifiers';
  }
  if (result.safe) return undefined;
  if (result.error === 'timedOut' || result.error === 'hitMaxSteps') {
    return 'is too complex to prove that it runs in linear time; simplify it (split a long alternation into several patterns)';
  }
  return 'can match the same text in many ways (nested or overlapping quantifiers such as `(a+)+`, `(1|11)+` or `\\d*\\d*`), which takes exponential or polynomial time; rewrite it so each character can be matched only one way';
}

/** Throws `invalid_request` if a pattern does not compile or could backtrack catastrophically; returns it compiled. */
export function checkPattern(pattern: string): RegExp {
  if (!verdicts.has(pattern)) {
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(pattern, problemOf(pattern));
  }
  const problem = verdicts.get(pattern);
  if (problem !== undefined) throw new AppError('invalid_request', `pattern ${JSON.stringify(pattern)} ${problem}`);
  return new RegExp(pattern);
}

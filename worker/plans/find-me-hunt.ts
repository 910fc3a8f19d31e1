/**
 * Click-to-FindMe (SPEC §9), driven by the relay so that it is at most once per attempt: the one
 * dispatch claim of the request covers the whole hunt, every number is rung at most once by the run
 * that holds it, and a run that restarts finds the claim taken and rings nobody again.
 *
 * - type 2, ordered: each number in turn, as its own call to phone_to_call (the number rings
 *   `ring_seconds`; when it answers, phone_to_call rings `timeout`); then the no-answer fallbacks.
 * - type 1: phone_to_call first; once it answers, the list on leg 2: every number at once (Dial's
 *   `&`: the first to answer is connected, the PBX stops the others), or in turn through the
 *   README's hunt context (the PBX rings each number `ring_seconds` until one answers).
 */
import type { Logger } from 'pino';
import type { CallPlan } from '../../shared/call-job.js';
import { AppError, toAppError } from '../../shared/errors.js';
import type { AttemptResult, FindMeAttempt } from '../../shared/findme/no-answer-report.js';
import { isTerminal, utcTime, type FallbackRecord } from '../../shared/status/status-document.js';
import type { CallAccepted, CallEvent, CallObserver, PbxDriver, PlaceCall } from '../pbx/pbx-driver.js';

type FindMePlan = Extract<CallPlan, { kind: 'findme' }>;

/** What the job's observer adds for a hunt: the attempts and fallbacks of the status document. */
export interface HuntObserver extends CallObserver {
  attempt(attempt: FindMeAttempt): void;
  fallback(record: FallbackRecord): void;
}

/** Sends the email, SMS and URL fallbacks of a hunt nobody answered; records each outcome itself. */
export type NoAnswerNotify = (attempts: FindMeAttempt[], record: (outcome: FallbackRecord) => void) => Promise<void>;

export interface HuntDeps {
  logger: Logger;
  now: () => number;
  notify: NoAnswerNotify;
}

const RESULT_OF: Record<string, AttemptResult> = { ANSWER: 'Answered', BUSY: 'Busy', NOANSWER: 'No Answer', CANCEL: 'No Answer' };

/** A leg's end in DialogTech's words. */
function resultOf(event: CallEvent['event']): AttemptResult {
  return event === 'busy' ? 'Busy' : event === 'no_answer' ? 'No Answer' : event === 'failed' ? 'Failed' : 'Answered';
}

export async function placeFindMeCall(driver: PbxDriver, plan: FindMePlan, call: PlaceCall, observer: HuntObserver, deps: HuntDeps): Promise<CallAccepted> {
  if (plan.type === 1) return listAfterCaller(driver, plan, call, observer, deps);
  if (plan.type === 2) return new ListFirstHunt(driver, plan, call, observer, deps).start();
  throw new AppError('unsupported_option', `A ${plan.strategy} FindMe list with type=${plan.type} is not supported.`);
}

/** type 1: one call, the list on leg 2 (all at once, or in turn through the hunt context); how each number ended comes with the call's last event. */
async function listAfterCaller(driver: PbxDriver, plan: FindMePlan, call: PlaceCall, observer: HuntObserver, deps: HuntDeps): Promise<CallAccepted> {
  const leg2 = { numbers: plan.numbers, seconds: plan.ring_seconds, ...(plan.strategy === 'ordered' ? { inTurn: true } : {}) };
  const placed: PlaceCall = { ...call, dialFirst: plan.phone_to_call, dialSecond: plan.numbers[0] as string, leg2 };
  return driver.placeCall(placed, {
    dispatching: (data) => observer.dispatching(data),
    progress(event) {
      const { targets, ...progress } = event;
      const at = utcTime(deps.now());
      for (const target of (targets ?? []).filter((t) => t.leg === 2)) observer.attempt({ called_number: target.number, call_result: RESULT_OF[target.status] ?? 'Failed', 'utc.time': at });
      observer.progress(progress);
    },
    lost: () => observer.lost?.(),
  });
}

/** Refusals that are about the number rung (the PBX's own refusal, e.g. a barred destination or Switchvox's 41591); anything else is about the PBX or the account. */
const PER_NUMBER_ERRORS: ReadonlySet<string> = new Set(['pbx_error', 'number_not_allowed']);

type Turn = { kind: 'answered' } | { kind: 'ended'; result: AttemptResult; error?: AppError } | { kind: 'unknown'; error: AppError };

/**
 * type 2: the list first, then `no_answer_phone` in its place, whoever answers hearing phone_to_call
 * ring. An ordered list is one turn per number; a simultaneous one is one turn ringing every number
 * at once (the README's ring-all context: the first to answer wins, the PBX stops the others).
 */
class ListFirstHunt {
  private accepted: CallAccepted | undefined;
  private claimed = false;
  private readonly attempts: FindMeAttempt[] = [];
  private readonly log: Logger;
  private resolveFirst: (accepted: CallAccepted) => void = () => {};
  private rejectFirst: (err: unknown) => void = () => {};

  constructor(
    private readonly driver: PbxDriver,
    private readonly plan: FindMePlan,
    private readonly call: PlaceCall,
    private readonly observer: HuntObserver,
    private readonly deps: HuntDeps,
  ) {
    this.log = deps.logger.child({ request_id: call.requestId });
  }

  /** Resolves with the PBX's first acceptance (the request's verdict); the hunt goes on behind it. */
  start(): Promise<CallAccepted> {
    const first = new Promise<CallAccepted>((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    this.run().catch((err: unknown) => {
      if (this.accepted === undefined) this.rejectFirst(err);
      else this.log.error({ err }, 'FindMe hunt stopped');
    });
    return first;
  }

  private async run(): Promise<void> {
    try {
      await this.hunt();
    } catch (err) {
      // Before any acceptance the request fails with the error; after one, the hunt stops, recorded.
      if (this.accepted === undefined) throw err;
      this.stop(toAppError(err));
    }
  }

  private async hunt(): Promise<void> {
    let lastError: AppError | undefined;
    const turns = this.plan.strategy === 'simultaneous' ? [this.plan.numbers] : this.plan.numbers.map((number) => [number]);
    for (const [index, numbers] of turns.entries()) {
      const turn = await this.ring(numbers, index + 1);
      if (turn.kind === 'answered') return;
      if (turn.kind === 'unknown') return this.stop(turn.error);
      lastError = turn.error ?? lastError;
    }
    const fallbacks = this.deps.notify([...this.attempts], (record) => this.observer.fallback(record));
    fallbacks.catch((err: unknown) => this.log.error({ err }, 'no-answer fallbacks failed'));
    const phone = this.plan.no_answer?.phone;
    if (phone !== undefined) {
      const turn = await this.ring([phone], turns.length + 1);
      const at = new Date(this.deps.now()).toISOString();
      const result = turn.kind === 'answered' ? 'sent' : 'failed';
      this.observer.fallback({ channel: 'phone', to: phone, result, message: turn.kind === 'answered' ? 'answered and connected to phone_to_call' : turn.kind === 'ended' ? turn.result : turn.error.message, at });
      if (turn.kind === 'answered') return;
      if (turn.kind === 'unknown') return this.stop(turn.error);
      lastError = turn.error ?? lastError;
    }
    if (this.accepted === undefined) throw lastError ?? new AppError('pbx_error', 'Nobody on the FindMe list answered.');
    this.observer.progress({ event: 'no_answer', leg: 1, cause: 'nobody on the FindMe list answered' });
  }

  /** An attempt whose outcome is unknown may be ringing or connected: the hunt stops so that nobody rings twice. */
  private stop(error: AppError): void {
    if (this.accepted === undefined) throw error;
    this.observer.progress({ event: 'failed', leg: 1, cause: `hunt stopped: ${error.message}` });
  }

  /** One turn: resolves once someone answered (the call goes on) or every number rung ended without answering. */
  private async ring(numbers: string[], attempt: number): Promise<Turn> {
    const first = numbers[0] as string;
    const placed: PlaceCall = {
      ...this.call,
      dialFirst: first,
      dialSecond: this.plan.phone_to_call,
      timeoutSeconds: this.plan.ring_seconds,
      leg2: { numbers: [this.plan.phone_to_call], seconds: this.call.timeoutSeconds },
      ...(numbers.length > 1 ? { leg1: { numbers, seconds: this.plan.ring_seconds } } : {}),
      ...(attempt === 1 ? {} : { attempt }),
    };
    let answered = false;
    let over = false;
    let resolveTurn: (turn: Turn) => void = () => {};
    const ended = new Promise<Turn>((resolve) => (resolveTurn = resolve));
    /** The attempt's end, once: false when it had already ended. */
    const settle = (turn: Turn): boolean => {
      if (over) return false;
      over = true;
      resolveTurn(turn);
      return true;
    };
    let recorded = false;
    /** Every number of the turn, once: one rung alone ended as the call did; several, as their own DialEnd says. */
    const record = (result: AttemptResult, event?: CallEvent) => {
      if (recorded) return;
      recorded = true;
      const ends = new Map((event?.targets ?? []).filter((t) => t.leg === 1).map((t) => [t.number, RESULT_OF[t.status] ?? 'Failed']));
      for (const number of numbers) {
        const entry = { called_number: number, call_result: numbers.length > 1 ? (ends.get(number) ?? (result === 'Answered' ? 'No Answer' : result)) : result, 'utc.time': utcTime(this.deps.now()) };
        this.attempts.push(entry);
        this.observer.attempt(entry);
      }
    };
    let claimRefused = false;
    const following: CallObserver = {
      dispatching: async (data) => {
        if (this.claimed) return;
        try {
          await this.observer.dispatching(data);
          this.claimed = true;
        } catch (err) {
          claimRefused = true;
          throw err;
        }
      },
      progress: (event) => {
        const { targets: _targets, ...progress } = event;
        if (answered) {
          // Numbers rung at once are known at the call's end (their DialEnds come with its last event).
          if (isTerminal(event.event)) record('Answered', event);
          return this.observer.progress(progress);
        }
        if (event.event === 'first_answered' || event.event === 'connected' || event.event === 'completed') {
          answered = true;
          if (numbers.length === 1 || event.event === 'completed') record('Answered', event);
          if (event.event !== 'first_answered') this.observer.progress({ event: 'first_answered', leg: 1 });
          this.observer.progress(progress);
          return settle({ kind: 'answered' });
        }
        if (isTerminal(event.event) && settle({ kind: 'ended', result: resultOf(event.event) })) record(resultOf(event.event), event);
      },
      lost: () => {
        // DialogTech's words have no "unknown": Failed, and the request's last event says why the hunt stopped.
        if (!answered && settle({ kind: 'unknown', error: new AppError('pbx_unreachable', `the PBX connection dropped while ${numbers.join(', ')} rang`) })) record('Failed');
        this.observer.lost?.();
      },
    };
    try {
      const accepted = await this.driver.placeCall(placed, following);
      if (this.accepted === undefined) {
        this.accepted = accepted;
        this.resolveFirst(accepted);
      }
      // A PBX that answers only once leg 1 has (Switchvox) reports nothing more: accepted means answered.
      // It may still echo that answer as `first_answered` (Switchvox does, just after): the same attempt, recorded once.
      if (!accepted.progressFollows) {
        if (!answered) record('Answered');
        answered = true;
        return { kind: 'answered' };
      }
    } catch (err) {
      if (claimRefused) throw err;
      const error = toAppError(err);
      if (error.outcomeUnknown) {
        record('Failed');
        return { kind: 'unknown', error };
      }
      // A problem with the PBX or the account, not with this number, would fail every number alike:
      // the hunt stops there, and no fallback says "nobody answered".
      if (!PER_NUMBER_ERRORS.has(error.code)) throw error;
      // Switchvox says a first leg that did not answer in its own words (error 41591).
      const result: AttemptResult = /41591|failed to connect/i.test(error.message) ? 'No Answer' : 'Failed';
      record(result);
      return { kind: 'ended', result, error };
    }
    return ended;
  }
}

/**
 * The contract between the Click-to-FindMe hunt and its no-answer fallbacks (SPEC §9): what the hunt
 * reports when nobody on the list answered, and what each fallback reports back for the status
 * document.
 */

/** What one attempt on the list came to, in the words of the DialogTech reference. */
export type AttemptResult = 'Answered' | 'No Answer' | 'Busy' | 'Failed';

export interface FindMeAttempt {
  called_number: string;
  call_result: AttemptResult;
  'utc.time': string;
}

/** A hunt that ended with nobody on the list answering (`type=2`). */
export interface NoAnswerReport {
  requestId: string;
  accountId: string;
  /** The third party, as the request gave it (e.g. `5551112222`). */
  phoneToCall: string;
  /** The request's `page` (free text, no control characters, at most 255 characters). */
  page?: string;
  attempts: FindMeAttempt[];
}

export type FallbackChannel = 'email' | 'sms';

/**
 * One fallback's outcome. `refused`: not sent, and sending again cannot help (no SMTP server or SMS
 * gateway, a bad address, a daily cap); `failed`: the server or gateway did not take it.
 */
export interface FallbackOutcome {
  channel: FallbackChannel;
  to: string;
  result: 'sent' | 'refused' | 'failed';
  message?: string;
  /** ISO 8601, when the outcome was known. */
  at: string;
}

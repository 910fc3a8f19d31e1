import { AppError } from '../../shared/errors.js';
import type { CallState } from '../../shared/status/status-document.js';
import type { StatusChange } from '../../shared/status/status-store.js';

/** The `response` object of SPEC §2, the answer of every entry point that places a call. */
export interface CallAnswer {
  request_id: string;
  status: 'success' | 'fail';
  errors: { error: { code: string; message: string; url: string } }[];
  server_id: string;
  state: CallState | '';
  status_url: string;
}

/** The answer plus what only the HTTP layer needs (the `Retry-After` header). */
export interface CallResult {
  response: CallAnswer;
  retryAfterSeconds?: number;
}

/** Builds answers: one place decides what `success`, `fail` and a status URL look like. */
export class Answers {
  constructor(
    private readonly serverId: string,
    readonly statusUrl: (requestId: string) => string,
  ) {}

  success(requestId: string, state: CallState): CallAnswer {
    return { request_id: requestId, status: 'success', errors: [], server_id: this.serverId, state, status_url: this.statusUrl(requestId) };
  }

  /** `stored`: a status document explains the failure at the status URL; else there is no URL. */
  fail(requestId: string, state: CallState, error: AppError, stored: boolean): CallAnswer {
    const url = stored ? this.statusUrl(requestId) : '';
    return {
      request_id: requestId,
      status: 'fail',
      errors: [{ error: { code: error.code, message: error.message, url } }],
      server_id: this.serverId,
      state: stored ? state : '',
      status_url: url,
    };
  }

  /** A refusal by a limit: nothing is stored (a flood must not fill Redis), and the client learns when to retry. */
  rateLimited(requestId: string, error: AppError, retryAfterSeconds: number): CallResult {
    return { response: this.fail(requestId, 'queued', error, false), retryAfterSeconds };
  }

  /** The answer a status change gives: failed and expired are `fail` with their error, everything else `success`. */
  fromChange(requestId: string, change: Pick<StatusChange, 'state' | 'error'>): CallAnswer {
    if (change.state !== 'failed' && change.state !== 'expired') return this.success(requestId, change.state);
    const error = change.error ?? { code: 'internal_error', message: 'The call request failed.' };
    return this.fail(requestId, change.state, new AppError(error.code, error.message), true);
  }
}

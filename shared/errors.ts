/**
 * The error catalogue. Every failure that reaches a client carries one of these stable codes;
 * each code has one HTTP status (used by the admin API and the status URL; the public
 * Click-2-Call API always answers 200 and puts the code in `response.errors`).
 */
export const ERROR_CODES = {
  invalid_api_key: { http: 401, message: 'The API key is missing, unknown or revoked.' },
  invalid_request: { http: 400, message: 'The request is not valid.' },
  pbx_not_configured: { http: 409, message: 'The account has no connection for this PBX.' },
  number_not_allowed: { http: 403, message: "The number is not allowed by the account's policy." },
  rate_limited: { http: 429, message: 'Too many requests.' },
  dial_as_not_found: { http: 404, message: 'The dial_as extension does not exist on the PBX.' },
  pbx_unreachable: { http: 502, message: 'The PBX could not be reached.' },
  pbx_auth_failed: { http: 502, message: 'The PBX refused the relay credentials.' },
  pbx_error: { http: 502, message: 'The PBX refused the call request.' },
  pbx_timeout: { http: 504, message: 'The PBX did not answer in time.' },
  expired: { http: 410, message: 'The request expired before it reached the PBX.' },
  service_unavailable: { http: 503, message: 'The service is temporarily unavailable; retry shortly.' },
  internal_error: { http: 500, message: 'An internal error occurred.' },
  not_found: { http: 404, message: 'Not found.' },
  caller_id_not_allowed: { http: 403, message: 'The caller ID is neither one of the numbers dialed nor in the policy\'s caller_ids.' },
  unsupported_option: { http: 422, message: 'The PBX cannot do what the request asks for.' },
  agent_unavailable: { http: 409, message: 'The agent is not available.' },
  unauthorized: { http: 401, message: 'Missing or wrong admin token.' },
  conflict: { http: 409, message: 'The request conflicts with the current state.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  cause?: unknown;
  /** What the PBX answered, kept for the status document's `response.response_data`. */
  responseData?: unknown;
  /** Extra fields for the client (e.g. `retry_after` for rate limits). */
  details?: Record<string, unknown>;
  /**
   * The request reached the PBX but its answer was lost (a timeout, a reset): the PBX may have
   * acted on it, so for a call request the phone may ring. Such a call is never reported as failed.
   */
  outcomeUnknown?: boolean;
}

/** An error with a stable code whose message is safe to show to the client. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly responseData: unknown;
  readonly details: Record<string, unknown> | undefined;
  readonly outcomeUnknown: boolean;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.responseData = options.responseData;
    this.details = options.details;
    this.outcomeUnknown = options.outcomeUnknown === true;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

/** Anything thrown that is not an AppError becomes `internal_error`: internal messages never reach a client. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('internal_error', undefined, { cause: err });
}

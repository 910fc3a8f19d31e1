import type { ErrorCode } from '../errors.js';
import type { FindMeAttempt } from '../findme/no-answer-report.js';

/** SPEC §3 states. `queued` → `dispatching` → `accepted` | `failed` | `expired`, then call progress. */
export type CallState =
  | 'queued'
  | 'dispatching'
  | 'accepted'
  | 'failed'
  | 'expired'
  | 'first_answered'
  | 'connected'
  | 'completed'
  | 'no_answer'
  | 'busy';

/** Where each state may move next; anything else is refused, so states only move forward. */
const NEXT: Record<CallState, readonly CallState[]> = {
  queued: ['dispatching', 'failed', 'expired'],
  dispatching: ['accepted', 'failed'],
  accepted: ['first_answered', 'connected', 'completed', 'no_answer', 'busy', 'failed'],
  first_answered: ['connected', 'completed', 'no_answer', 'busy', 'failed'],
  connected: ['completed', 'failed'],
  failed: [],
  expired: [],
  completed: [],
  no_answer: [],
  busy: [],
};

export const CALL_STATES = Object.keys(NEXT) as CallState[];

export function isCallState(value: string): value is CallState {
  return (CALL_STATES as string[]).includes(value);
}

/** States in which the PBX has given its verdict on the call request. */
export const VERDICT_STATES: readonly CallState[] = ['accepted', 'failed', 'expired', 'first_answered', 'connected', 'completed', 'no_answer', 'busy'];

export function isTerminal(state: CallState): boolean {
  return NEXT[state].length === 0;
}

export interface StatusError {
  code: ErrorCode;
  message: string;
}

export interface StatusEvent {
  'utc.time': string;
  event: CallState;
  leg?: 1 | 2;
  cause?: string;
}

export interface StatusDocument {
  request_id: string;
  server_id: string;
  state: CallState;
  request: {
    'utc.time': string;
    request_url: string;
    http_method: string;
    request_data: Record<string, unknown>;
  };
  pbx_request?: { 'utc.time': string; pbx: string; pbx_data: Record<string, unknown> };
  response?: { 'utc.time': string; response_data?: unknown; error?: StatusError };
  events: StatusEvent[];
  /** Click-to-FindMe (SPEC §9): every number tried and how it ended, in order. */
  attempts?: FindMeAttempt[];
  /** Click-to-FindMe no-answer fallbacks: what each one came to (sent, refused, retried…). */
  fallbacks?: FallbackRecord[];
}

/** One no-answer fallback's outcome as the status document shows it. */
export interface FallbackRecord {
  channel: 'email' | 'sms' | 'url' | 'phone';
  to: string;
  result: string;
  message?: string;
  at: string;
}

/** Attempts and fallbacks are bounded like everything a caller can make the relay store. */
const MAX_ATTEMPTS = 32;
const MAX_FALLBACK_RECORDS = 32;

/** A FindMe attempt ended: appended, in any state (attempts are facts, not state moves). */
export function withAttempt(doc: StatusDocument, attempt: FindMeAttempt): StatusDocument {
  const attempts = doc.attempts ?? [];
  return attempts.length >= MAX_ATTEMPTS ? doc : { ...doc, attempts: [...attempts, attempt] };
}

/** A fallback's outcome; a later outcome of the same channel and address (a retried URL) replaces the earlier one. */
export function withFallback(doc: StatusDocument, record: FallbackRecord): StatusDocument {
  const others = (doc.fallbacks ?? []).filter((known) => known.channel !== record.channel || known.to !== record.to);
  return others.length >= MAX_FALLBACK_RECORDS ? doc : { ...doc, fallbacks: [...others, record] };
}

/** Thrown by a transition that would move a document backwards or sideways. */
export class TransitionError extends Error {
  constructor(from: CallState, to: CallState) {
    super(`status cannot move from ${from} to ${to}`);
    this.name = 'TransitionError';
  }
}

/** Unix seconds as a string, the SPEC's `utc.time` format. */
export function utcTime(atMs: number): string {
  return String(Math.floor(atMs / 1000));
}

export function canMove(from: CallState, to: CallState): boolean {
  return NEXT[from].includes(to);
}

function moved(doc: StatusDocument, to: CallState, atMs: number, extra: Partial<StatusEvent> = {}): StatusDocument {
  if (!canMove(doc.state, to)) throw new TransitionError(doc.state, to);
  return { ...doc, state: to, events: [...doc.events, { 'utc.time': utcTime(atMs), event: to, ...extra }] };
}

export interface NewRequest {
  requestId: string;
  serverId: string;
  requestUrl: string;
  httpMethod: string;
  requestData: Record<string, unknown>;
}

export function createQueued(request: NewRequest, atMs: number): StatusDocument {
  const time = utcTime(atMs);
  return {
    request_id: request.requestId,
    server_id: request.serverId,
    state: 'queued',
    request: {
      'utc.time': time,
      request_url: request.requestUrl,
      http_method: request.httpMethod,
      request_data: request.requestData,
    },
    events: [{ 'utc.time': time, event: 'queued' }],
  };
}

/** A request refused before it was queued (validation, policy): stored so its status URL explains why. */
export function createRefused(request: NewRequest, error: StatusError, atMs: number): StatusDocument {
  return markFailed(createQueued(request, atMs), error, atMs);
}

export function markDispatching(doc: StatusDocument, pbx: string, pbxData: Record<string, unknown>, atMs: number): StatusDocument {
  return { ...moved(doc, 'dispatching', atMs), pbx_request: { 'utc.time': utcTime(atMs), pbx, pbx_data: boundedPbxData(pbxData) as Record<string, unknown> } };
}

/** What a PBX sent may be large; a status document keeps at most this much of it (and of an error text). */
export const MAX_PBX_TEXT = 4096;

/** A PBX answer as stored: as it came when small, else its first MAX_PBX_TEXT characters, marked truncated. */
export function boundedPbxData(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined || text.length <= MAX_PBX_TEXT) return value;
  return { truncated: true, length: text.length, text: text.slice(0, MAX_PBX_TEXT) };
}

function boundedError(error: StatusError): StatusError {
  if (error.message.length <= MAX_PBX_TEXT) return error;
  return { code: error.code, message: `${error.message.slice(0, MAX_PBX_TEXT)}… (truncated from ${error.message.length} characters)` };
}

export function markAccepted(doc: StatusDocument, responseData: unknown, atMs: number): StatusDocument {
  return { ...moved(doc, 'accepted', atMs), response: { 'utc.time': utcTime(atMs), response_data: boundedPbxData(responseData) } };
}

/**
 * The error text is stored once, in `response.error`; the event names the code. A PBX answer that
 * only repeats the error text is not stored again.
 */
export function markFailed(doc: StatusDocument, error: StatusError, atMs: number, responseData?: unknown): StatusDocument {
  const bounded = boundedError(error);
  const data = responseData === error.message ? undefined : boundedPbxData(responseData);
  const response = { 'utc.time': utcTime(atMs), ...(data === undefined ? {} : { response_data: data }), error: bounded };
  return { ...moved(doc, 'failed', atMs, { cause: error.code }), response };
}

/**
 * The call request reached the PBX but its answer was lost (a timeout, a dropped connection): the
 * phone may ring. The state stays `dispatching`, never `failed` (a client would retry and ring it
 * twice); `response.error` says what happened. Nothing more will be learnt about the call.
 */
export function markOutcomeUnknown(doc: StatusDocument, error: StatusError, atMs: number): StatusDocument {
  if (doc.state !== 'dispatching') throw new TransitionError(doc.state, 'dispatching');
  return { ...doc, response: { 'utc.time': utcTime(atMs), error: boundedError(error) } };
}

/**
 * A worker stopped after it claimed the call for dialing, before it recorded the PBX's verdict: the
 * call request may have left, so the outcome is unknown (SPEC §5), never `failed`. A document that
 * already records a verdict or an unknown outcome stays as it is.
 */
export function markInterrupted(doc: StatusDocument, error: StatusError, atMs: number): StatusDocument {
  if (doc.state === 'queued') return { ...moved(doc, 'dispatching', atMs), response: { 'utc.time': utcTime(atMs), error } };
  if (doc.state === 'dispatching' && doc.response === undefined) return markOutcomeUnknown(doc, error, atMs);
  return doc;
}

/** True when the document records a call request whose outcome the relay cannot know. */
export function outcomeUnknown(doc: Pick<StatusDocument, 'state' | 'response'>): boolean {
  return doc.state === 'dispatching' && doc.response?.error !== undefined;
}

export function markExpired(doc: StatusDocument, error: StatusError, atMs: number): StatusDocument {
  return { ...moved(doc, 'expired', atMs), response: { 'utc.time': utcTime(atMs), error } };
}

/** A call-progress step reported by the PBX after it accepted the call. */
export function markProgress(
  doc: StatusDocument,
  progress: { event: 'first_answered' | 'connected' | 'completed' | 'no_answer' | 'busy' | 'failed'; leg?: 1 | 2; cause?: string },
  atMs: number,
): StatusDocument {
  const extra: Partial<StatusEvent> = {};
  if (progress.leg !== undefined) extra.leg = progress.leg;
  if (progress.cause !== undefined) extra.cause = progress.cause;
  return moved(doc, progress.event, atMs, extra);
}

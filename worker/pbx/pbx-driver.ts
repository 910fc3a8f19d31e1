import type { Logger } from 'pino';
import type { EndpointCallSettings, RecordingWarning } from '../../shared/call-job.js';

/** One click-to-call, as the driver receives it: values already validated and normalised by the API. */
export interface PlaceCall {
  /** UUID v4; also the job id, status key and log key. Safe for protocol headers ([0-9a-f-]). */
  requestId: string;
  /** Digits, optionally a leading `+`, `*` and `#` (`^\+?[0-9*#]{1,32}$`). */
  dialFirst: string;
  dialSecond: string;
  /** The extension the call is placed as; defaults to dialFirst. Same character set. */
  dialAs: string;
  /** Seconds to ring each leg, 1–120. */
  timeoutSeconds: number;
  /** Call options (SPEC §8), validated by the API and refused there for a PBX that cannot do them. */
  firstCallerId?: string;
  secondCallerId?: string;
  /** Free text (no control characters): each driver escapes it for where it goes. */
  page?: string;
  ref?: string;
  record?: { warning: RecordingWarning };
  /** A saved endpoint's PBX settings (channel variables, SIP headers, music on hold, ringback). */
  endpoint?: EndpointCallSettings;
  /** The attempt's number (from 2) when one request places several calls in turn (a FindMe hunt): the PBX's channel ids differ per attempt. */
  attempt?: number;
  /**
   * Who leg 2 rings and for how long, when that is not dialSecond for timeoutSeconds: a FindMe
   * attempt rings its number for the list's ring time and then phone_to_call for the caller's
   * timeout; a simultaneous list rings all its numbers at once, the first to answer is connected;
   * `inTurn` rings them one after the other, `seconds` each, until one answers (the README's hunt context).
   */
  leg2?: { numbers: string[]; seconds: number; inTurn?: boolean };
  /** Leg 1 rings these numbers at once for `seconds` (a FindMe list rung first), through the README's ring-all context; replaces dialFirst there. */
  leg1?: { numbers: string[]; seconds: number };
}

/** Call progress after the PBX accepted the call request (SPEC §3 states). */
export type CallEventName = 'first_answered' | 'connected' | 'completed' | 'no_answer' | 'busy' | 'failed';

export interface CallEvent {
  event: CallEventName;
  /** Which leg it happened on, where it matters (1 = dial_first, 2 = dial_second). */
  leg?: 1 | 2;
  /** The PBX's own words, e.g. a hangup cause "17 User busy". */
  cause?: string;
  /** On the call's last event: how each number a leg dialed ended (the PBX's DialStatus), for legs that rang several at once. */
  targets?: { number: string; status: string; leg: 1 | 2 }[];
}

/**
 * What the worker lends the driver for one call. The driver MUST await `dispatching()` right before
 * the call request leaves for the PBX (after any harmless lookups): it records what is about to be
 * sent and claims the request; if it throws (the API gave up, or the job expired) nothing may be sent.
 */
export interface CallObserver {
  dispatching(pbxData: Record<string, unknown>): Promise<void>;
  /** Call progress reported by the PBX after acceptance; may be called long after placeCall resolved. */
  progress(event: CallEvent): void;
  /** The connection to the PBX dropped while the call was followed: its end will not be reported. */
  lost?(): void;
}

export interface CallAccepted {
  /** What the PBX answered, as parsed from the wire (never containing secrets). */
  responseData: unknown;
  /** True when the driver will report the call's progress up to its end (a terminal CallEvent). */
  progressFollows?: boolean;
}

export interface PbxTestResult {
  ok: boolean;
  detail: string;
}

/**
 * The one seam between the worker and a PBX. Drivers throw `AppError`s with a stable code
 * (`dial_as_not_found`, `pbx_unreachable`, `pbx_auth_failed`, `pbx_error` with the PBX's own message
 * verbatim, `pbx_timeout`), never raw socket or HTTP client errors.
 */
export interface PbxDriver {
  placeCall(call: PlaceCall, observer: CallObserver): Promise<CallAccepted>;
  /** Present when the PBX has queues whose agents the relay can read and pause (Click-to-Agent, SPEC §9). */
  agents?: AgentControl;
  /** Connects and authenticates without placing a call. */
  test(): Promise<PbxTestResult>;
  close(): Promise<void>;
}

export interface DriverDeps {
  logger: Logger;
}

/** A queue member as the PBX shows it (Asterisk QueueStatus `QueueMember`). */
export interface QueueMemberState {
  paused: boolean;
  /** The pause reason; '' when none. */
  reason: string;
  inCall: boolean;
  /** Asterisk device state: 1 not in use, 2 in use, 3 busy, 4 invalid, 5 unavailable, 6 ringing, 7 ringing in use, 8 on hold. */
  status: number;
}

export interface AgentControl {
  /** The member, or undefined when the interface is not logged in to the queue. */
  member(queue: string, iface: string): Promise<QueueMemberState | undefined>;
  /** Pauses (with a reason) or unpauses the member in that queue. */
  pause(queue: string, iface: string, paused: boolean, reason: string): Promise<void>;
  /** Pause reasons with which an agent still takes click-to-agent calls (the connection's `agent_ok_pause_reasons`). */
  readonly okPauseReasons: readonly string[];
}

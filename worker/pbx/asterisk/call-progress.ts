/**
 * Pure follow-up of one originated call from AMI events (asterisk-ami.md §3.3, §3.4, §3.6).
 * The OriginateResponse gives leg 1's verdict; leg 2 shows up as DialEnd on leg 1's channel;
 * Hangup events carry the causes. Order among these events is not fixed, so a failure waits a
 * moment for its hangup cause (the caller decides how long, see `awaitingCause`).
 */
import type { CallEvent, CallEventName } from '../pbx-driver.js';
import { type AmiMessage, headerValue } from './ami-codec.js';

export interface CallIds {
  actionId: string;
  /** ChannelId we chose: Uniqueid of leg 1's `;1` half and Linkedid of every channel of the call. */
  leg1: string;
  /** OtherChannelId: Uniqueid of leg 1's `;2` half. */
  leg2: string;
}

export interface ProgressStep {
  report: CallEvent[];
  /** The call is over for us: stop tracking it. */
  finished: boolean;
  /** A failure is known but its cause not yet; call `flush()` if nothing arrives soon. */
  awaitingCause: boolean;
}

interface Cause {
  code: number;
  text: string;
}

/** Q.850 causes that say more than the Reason does (direct PJSIP failures all come back as 0). */
const CAUSE_EVENT: Record<number, CallEventName> = { 17: 'busy', 18: 'no_answer', 19: 'no_answer' };

/** OriginateResponse `Reason` (AST_CONTROL_*) → progress event for leg 1. */
export function reasonEvent(reason: number, causeCode?: number): CallEventName {
  switch (reason) {
    case 4:
      return 'first_answered';
    case 3:
      return 'no_answer';
    case 5:
      return 'busy';
    case 8:
      return 'failed';
    default:
      return (causeCode === undefined ? undefined : CAUSE_EVENT[causeCode]) ?? 'failed';
  }
}

/** DialEnd `DialStatus` of the leg-2 dial → progress event, or undefined when it says nothing. */
export function dialStatusEvent(status: string): CallEventName | undefined {
  switch (status.toUpperCase()) {
    case 'ANSWER':
      return 'connected';
    case 'BUSY':
      return 'busy';
    case 'NOANSWER':
      return 'no_answer';
    // CANCEL: leg 1 hung up while leg 2 rang; the Hangup of leg 1 reports it.
    case 'CANCEL':
    case '':
      return undefined;
    default:
      return 'failed';
  }
}

function causeOf(message: AmiMessage): Cause | undefined {
  const code = Number(headerValue(message, 'Cause'));
  if (!Number.isInteger(code)) return undefined;
  const text = headerValue(message, 'Cause-txt') ?? '';
  return { code, text: text ? `${code} ${text}` : String(code) };
}

const NOTHING: ProgressStep = { report: [], finished: false, awaitingCause: false };

export class CallProgress {
  private answered = false;
  private originateSeen = false;
  private connected = false;
  private leg1Cause: Cause | undefined;
  private leg2Cause: Cause | undefined;
  private pending: { leg: 1 | 2; reason?: number; event: CallEventName } | undefined;
  private done = false;

  constructor(readonly ids: CallIds) {}

  /** Keys under which events of this call can be found. */
  keys(): string[] {
    return [this.ids.actionId, this.ids.leg1, this.ids.leg2];
  }

  onEvent(message: AmiMessage): ProgressStep {
    if (this.done) return NOTHING;
    switch (headerValue(message, 'Event')?.toLowerCase()) {
      case 'originateresponse':
        return this.onOriginateResponse(message);
      case 'dialend':
        return this.onDialEnd(message);
      case 'hangup':
        return this.onHangup(message);
      default:
        return NOTHING;
    }
  }

  /** The wait for a cause is over: report the pending failure as it is. */
  flush(): CallEvent[] {
    if (this.done || !this.pending) return [];
    return this.finish({ event: this.pending.event, leg: this.pending.leg }).report;
  }

  private onOriginateResponse(message: AmiMessage): ProgressStep {
    const actionId = headerValue(message, 'ActionID');
    const uniqueid = headerValue(message, 'Uniqueid');
    if (this.originateSeen || (actionId !== this.ids.actionId && uniqueid !== this.ids.leg1)) return NOTHING;
    this.originateSeen = true;
    const reason = Number(headerValue(message, 'Reason'));
    if (headerValue(message, 'Response') === 'Success' || reason === 4) {
      this.answered = true;
      return { report: [{ event: 'first_answered', leg: 1 }], finished: false, awaitingCause: false };
    }
    const code = Number.isInteger(reason) ? reason : 0;
    if (this.leg1Cause) return this.finish(this.withCause(reasonEvent(code, this.leg1Cause.code), 1, this.leg1Cause));
    this.pending = { leg: 1, reason: code, event: reasonEvent(code) };
    return { report: [], finished: false, awaitingCause: true };
  }

  private onDialEnd(message: AmiMessage): ProgressStep {
    // Only the dial placed by leg 1's channel is leg 2; dials inside leg 1 (ring groups…) are not.
    if (headerValue(message, 'Uniqueid') !== this.ids.leg1 || this.pending) return NOTHING;
    const event = dialStatusEvent(headerValue(message, 'DialStatus') ?? '');
    if (event === undefined) return NOTHING;
    if (event === 'connected') {
      if (this.connected) return NOTHING;
      this.connected = true;
      return { report: [{ event, leg: 2 }], finished: false, awaitingCause: false };
    }
    if (this.leg2Cause) return this.finish(this.withCause(event, 2, this.leg2Cause));
    this.pending = { leg: 2, event };
    return { report: [], finished: false, awaitingCause: true };
  }

  private onHangup(message: AmiMessage): ProgressStep {
    const uniqueid = headerValue(message, 'Uniqueid');
    const cause = causeOf(message);
    const meaningful = cause && cause.code !== 0 ? cause : undefined;
    const isLeg1Channel = uniqueid === this.ids.leg1 || uniqueid === this.ids.leg2 || uniqueid === `${this.ids.leg1};2`;
    if (!isLeg1Channel && headerValue(message, 'Linkedid') !== this.ids.leg1) return NOTHING;
    // Other channels of the call belong to leg 2 once leg 1 answered (before, to leg 1's devices).
    if (!isLeg1Channel && this.answered) {
      this.leg2Cause ??= meaningful;
      if (this.pending?.leg === 2 && meaningful) return this.finish(this.withCause(this.pending.event, 2, meaningful));
      return NOTHING;
    }
    this.leg1Cause ??= meaningful;
    const isLeg1Main = uniqueid === this.ids.leg1;
    if (this.pending?.leg === 1) {
      const { reason = 0 } = this.pending;
      if (meaningful) return this.finish(this.withCause(reasonEvent(reason, meaningful.code), 1, meaningful));
      if (isLeg1Main) return this.finish({ event: this.pending.event, leg: 1 });
      return NOTHING;
    }
    if (!isLeg1Main || !this.answered) return NOTHING;
    if (this.connected) return this.finish(this.withCause('completed', undefined, cause));
    if (this.pending?.leg === 2) return this.finish(this.withCause(this.pending.event, 2, this.leg2Cause));
    // Leg 1 answered but leg 2 never connected nor failed visibly (no such route, caller gave up).
    return this.finish(this.withCause('failed', 2, this.leg2Cause ?? cause));
  }

  private withCause(event: CallEventName, leg: 1 | 2 | undefined, cause: Cause | undefined): CallEvent {
    return { event, ...(leg === undefined ? {} : { leg }), ...(cause ? { cause: cause.text } : {}) };
  }

  private finish(event: CallEvent): ProgressStep {
    this.done = true;
    this.pending = undefined;
    return { report: [event], finished: true, awaitingCause: false };
  }
}

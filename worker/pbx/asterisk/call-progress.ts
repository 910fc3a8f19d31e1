/**
 * Pure follow-up of one originated call from AMI events (asterisk-ami.md §3.3–§3.6, §5.6).
 * Real Asterisk sends a call's DialEnd, OriginateResponse and Hangup events in an order that varies
 * from call to call, so this class only records what each event says (call-verdict.ts decides).
 * The intermediate steps are reported at once: each is implied by any one of several events, so it
 * does not depend on their order (first_answered: OriginateResponse Success, DialEnd ANSWER on leg
 * 1, or leg 1 dialing leg 2; connected: DialEnd ANSWER of leg 2). The end of a call is reported
 * once it is over *and* its last events have had a moment to arrive (`settling`, then `settle()`),
 * except a connected call whose leg 1 hung up: nothing that comes later can change `completed`.
 */
import type { CallEvent } from '../pbx-driver.js';
import { type AmiMessage, headerValue } from './ami-codec.js';
import { type CallFacts, type CallIds, callIsOver, emptyFacts, leg1Answered, leg2Connected, verdict } from './call-verdict.js';

export type { CallIds } from './call-verdict.js';

export interface ProgressStep {
  report: CallEvent[];
  /** The verdict is in: stop tracking the call. */
  finished: boolean;
  /** The call is over but its last events may still be on their way: call `settle()` shortly. */
  settling: boolean;
}

/** A call with a huge ring group could name many channels; beyond this, new ones are not recorded. */
const MAX_CHANNELS = 256;

const NOTHING: ProgressStep = { report: [], finished: false, settling: false };

export class CallProgress {
  private readonly facts: CallFacts = emptyFacts();
  private answeredReported = false;
  private connectedReported = false;
  private done = false;

  constructor(readonly ids: CallIds) {}

  /** Keys under which events of this call can be found. */
  keys(): string[] {
    return [this.ids.actionId, this.ids.leg1, this.ids.leg2];
  }

  onEvent(message: AmiMessage): ProgressStep {
    if (this.done || !this.record(message)) return NOTHING;
    const report = this.steps();
    if (leg2Connected(this.facts, this.ids) && this.facts.channels.get(this.ids.leg1)?.cause) {
      return { report: [...report, ...this.finish()], finished: true, settling: false };
    }
    return { report, finished: false, settling: callIsOver(this.facts, this.ids) };
  }

  /** The wait for straggling events is over: report the verdict, unless the call turned out to go on. */
  settle(): ProgressStep {
    if (this.done) return NOTHING;
    if (!callIsOver(this.facts, this.ids)) return NOTHING;
    return { report: [...this.steps(), ...this.finish()], finished: true, settling: false };
  }

  private finish(): CallEvent[] {
    this.done = true;
    return [verdict(this.facts, this.ids)];
  }

  /** first_answered and connected, each once, in that order, as soon as anything implies them. */
  private steps(): CallEvent[] {
    const report: CallEvent[] = [];
    if (!this.answeredReported && leg1Answered(this.facts, this.ids)) {
      this.answeredReported = true;
      report.push({ event: 'first_answered', leg: 1 });
    }
    if (!this.connectedReported && leg2Connected(this.facts, this.ids)) {
      this.connectedReported = true;
      report.push({ event: 'connected', leg: 2 });
    }
    return report;
  }

  /** Stores what the event says about this call; false when it is not about this call. */
  private record(message: AmiMessage): boolean {
    const get = (name: string) => headerValue(message, name);
    const event = get('Event')?.toLowerCase();
    if (event === 'originateresponse') {
      if (this.facts.originate || (get('ActionID') !== this.ids.actionId && get('Uniqueid') !== this.ids.leg1)) return false;
      const reason = Number(get('Reason'));
      this.facts.originate = { success: get('Response') === 'Success' || reason === 4, reason: Number.isInteger(reason) ? reason : 0 };
      return true;
    }
    if (!this.ours(message)) return false;
    switch (event) {
      case 'hangup':
        this.channel(get('Uniqueid'), get('Channel'), causeOf(message));
        return true;
      case 'dialbegin':
      case 'dialstate':
      case 'dialend':
        return this.dial(message, event === 'dialend');
      case 'localbridge':
        return this.localBridge(message);
      default:
        // Any other channel event still tells which name a uniqueid has (to pair Local halves).
        this.channel(get('Uniqueid'), get('Channel'));
        return false;
    }
  }

  private ours(message: AmiMessage): boolean {
    const { leg1, leg2 } = this.ids;
    const linked = ['Linkedid', 'DestLinkedid', 'LocalOneLinkedid'].some((name) => headerValue(message, name) === leg1);
    const ids = ['Uniqueid', 'DestUniqueid'].map((name) => headerValue(message, name));
    return linked || ids.includes(leg1) || ids.includes(leg2);
  }

  private dial(message: AmiMessage, ended: boolean): boolean {
    const dest = headerValue(message, 'DestUniqueid');
    if (dest === undefined) return false;
    const caller = headerValue(message, 'Uniqueid');
    this.channel(caller, headerValue(message, 'Channel'));
    if (!this.channel(dest, headerValue(message, 'DestChannel'))) return false;
    const dial = this.facts.dials.get(dest) ?? (caller === undefined ? {} : { caller });
    if (ended) dial.status = headerValue(message, 'DialStatus') ?? '';
    this.facts.dials.set(dest, dial);
    return true;
  }

  private localBridge(message: AmiMessage): boolean {
    const one = headerValue(message, 'LocalOneUniqueid');
    const two = headerValue(message, 'LocalTwoUniqueid');
    if (!this.channel(one, headerValue(message, 'LocalOneChannel')) || !this.channel(two, headerValue(message, 'LocalTwoChannel'))) return false;
    this.facts.pairs.set(one as string, two as string).set(two as string, one as string);
    return true;
  }

  /** Records a channel's name and, from its Hangup, its cause; false when it cannot be recorded. */
  private channel(uniqueid: string | undefined, name: string | undefined, cause?: { code: number; text: string }): boolean {
    if (uniqueid === undefined || uniqueid === '') return false;
    let channel = this.facts.channels.get(uniqueid);
    if (!channel) {
      if (this.facts.channels.size >= MAX_CHANNELS) return false;
      channel = {};
      this.facts.channels.set(uniqueid, channel);
    }
    if (name) channel.name = name;
    if (cause) channel.cause = cause;
    return true;
  }
}

function causeOf(message: AmiMessage): { code: number; text: string } {
  const raw = headerValue(message, 'Cause');
  const code = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  // A Hangup without a usable cause still ends the channel; 0 is "Unknown" and never reported.
  if (!Number.isInteger(code)) return { code: 0, text: '0' };
  const text = headerValue(message, 'Cause-txt') ?? '';
  return { code, text: text ? `${code} ${text}` : String(code) };
}

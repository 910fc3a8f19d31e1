import { createHmac } from 'node:crypto';
import type { CallState, StatusDocument, StatusEvent } from '../status/status-document.js';

/** What every subscriber and status_callback receives for one state change (SPEC §11). */
export interface WebhookEvent {
  /** Stable across retries and re-sends: receivers de-duplicate on it (it is also `C2C-Webhook-Id`). */
  id: string;
  type: 'call.state_changed';
  request_id: string;
  /** The state this change moved the call to. */
  state: CallState;
  /** The status document's `events` entry of this change, with `leg` and `cause` when known. */
  event: StatusEvent;
  'utc.time': string;
}

/** The subscription event names an account may subscribe to. */
export const SUBSCRIBABLE_EVENTS = ['state_changed'] as const;

/**
 * One event per entry of the document's `events` list: the entry's index names it, so a change
 * announced twice (a fan-out replay) or sent again keeps its id.
 */
export function eventId(requestId: string, index: number): string {
  return `evt_${requestId}_${index}`;
}

/**
 * The events one status write added: entries from `from` up to the one of `state` (the write's last
 * state; each state occurs once in a document, since states only move forward). Read later, the
 * document may hold newer entries, which later changes announce.
 */
export function eventsOfChange(doc: StatusDocument, from: number, state: CallState): WebhookEvent[] {
  const last = doc.events.findIndex((entry) => entry.event === state);
  const events: WebhookEvent[] = [];
  for (let index = from; index <= last; index += 1) {
    const entry = doc.events[index];
    if (entry === undefined) break;
    events.push({ id: eventId(doc.request_id, index), type: 'call.state_changed', request_id: doc.request_id, state: entry.event, event: entry, 'utc.time': entry['utc.time'] });
  }
  return events;
}

/** The `C2C-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

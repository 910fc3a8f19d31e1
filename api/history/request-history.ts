import type { CallState, StatusDocument } from '../../shared/status/status-document.js';
import type { StatusStore } from '../../shared/status/status-store.js';

/** Which of an account's requests to list or export (SPEC §8); times in Unix ms, both inclusive. */
export interface HistoryFilter {
  since?: number;
  until?: number;
  ref?: string;
  state?: CallState;
}

/** One request as history lists and exports it (SPEC §8's columns). */
export interface HistoryRow {
  request_id: string;
  'utc.time': string;
  dial_first: string;
  dial_second: string;
  dial_as: string;
  page: string;
  ref: string;
  state: CallState;
  pbx: string;
  /** Seconds both legs were connected; empty when they never were. */
  duration: number | '';
}

export const HISTORY_COLUMNS: readonly (keyof HistoryRow)[] = ['request_id', 'utc.time', 'dial_first', 'dial_second', 'dial_as', 'page', 'ref', 'state', 'pbx', 'duration'];

const PAGE_SIZE = 500;

/**
 * The account's requests, newest first, a page of ids and one MGET of their documents at a time:
 * an export of any size holds one page in memory. `atMs` lets a caller page on.
 */
export async function* scanHistory(store: StatusStore, indexKey: string, filter: HistoryFilter): AsyncGenerator<{ row: HistoryRow; atMs: number }> {
  let until = filter.until;
  let skip = 0;
  for (;;) {
    const ids = await store.history(indexKey, { limit: PAGE_SIZE, skip, ...(until === undefined ? {} : { until }), ...(filter.since === undefined ? {} : { since: filter.since }) });
    const docs = await store.getMany(ids.map((entry) => entry.id));
    for (const [i, entry] of ids.entries()) {
      const doc = docs[i];
      if (doc && matches(doc, filter)) yield { row: toRow(doc), atMs: entry.atMs };
    }
    const last = ids.at(-1);
    if (!last || ids.length < PAGE_SIZE) return;
    // Ids sharing the last page's final millisecond may continue on the next page: skip those already read.
    const atLast = ids.filter((entry) => entry.atMs === last.atMs).length;
    skip = until === last.atMs ? skip + atLast : atLast;
    until = last.atMs;
  }
}

function matches(doc: StatusDocument, filter: HistoryFilter): boolean {
  if (filter.state !== undefined && doc.state !== filter.state) return false;
  return filter.ref === undefined || doc.request.request_data.ref === filter.ref;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

export function toRow(doc: StatusDocument): HistoryRow {
  const data = doc.request.request_data;
  const connected = doc.events.find((event) => event.event === 'connected');
  const ended = doc.events.find((event) => event.event === 'completed');
  return {
    request_id: doc.request_id,
    'utc.time': doc.request['utc.time'],
    dial_first: text(data.dial_first),
    dial_second: text(data.dial_second),
    dial_as: text(data.dial_as),
    page: text(data.page),
    ref: text(data.ref),
    state: doc.state,
    pbx: text(data.pbx),
    duration: connected && ended ? Number(ended['utc.time']) - Number(connected['utc.time']) : '',
  };
}

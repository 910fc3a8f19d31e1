import type { Request, Response } from 'express';
import type { AccountStore } from '../../shared/accounts/account-store.js';
import { AppError } from '../../shared/errors.js';
import { isCallState } from '../../shared/status/status-document.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import { CONTENT_TYPES, EXPORT_FORMATS, formatRow, headerLine, type ExportFormat } from './export-format.js';
import { scanHistory, type HistoryFilter, type HistoryRow } from './request-history.js';

const CHUNK_BYTES = 64 * 1024;

/** A time filter: Unix seconds (as `utc.time`) or an ISO 8601 date-time; Unix ms inside. */
function timeParam(name: string, value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value);
  const ms = /^\d{1,11}$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw new AppError('invalid_request', `${name} must be Unix seconds or an ISO 8601 date-time`);
  return ms;
}

export function parseHistoryFilter(query: Record<string, unknown>): HistoryFilter {
  const since = timeParam('since', query.since);
  // `until` is inclusive to the second it names.
  const untilSeconds = timeParam('until', query.until);
  const until = untilSeconds === undefined ? undefined : /^\d+$/.test(String(query.until)) ? untilSeconds + 999 : untilSeconds;
  const ref = query.ref === undefined ? undefined : String(query.ref);
  if (ref !== undefined && ref.length > 32) throw new AppError('invalid_request', 'ref is at most 32 characters');
  const state = query.state === undefined ? undefined : String(query.state);
  if (state !== undefined && !isCallState(state)) throw new AppError('invalid_request', `state ${JSON.stringify(state)} is not a status document state`);
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }), ...(ref === undefined ? {} : { ref }), ...(state === undefined ? {} : { state }) };
}

/**
 * `GET /admin/v1/accounts/{id}/requests`: a page of history as JSON (`limit` ≤ 200, `before` from the
 * last page's `next_before`), or with `format=csv|ndjson` the whole filtered window as a stream.
 */
export function historyRoute(deps: { accounts: AccountStore; statusStore: StatusStore }) {
  return async (req: Request, res: Response): Promise<void> => {
    const account = await deps.accounts.requireAccount(req.params.id as string);
    await answerHistory(res, deps.statusStore, deps.statusStore.historyKey(account.id), req.query as Record<string, unknown>, account.id);
  };
}

/** One history index (an account's, or a saved endpoint's) as a JSON page or a streamed export. */
export async function answerHistory(res: Response, store: StatusStore, indexKey: string, query: Record<string, unknown>, name: string): Promise<void> {
  const filter = parseHistoryFilter(query);
  const format = query.format === undefined ? undefined : String(query.format);
  if (format !== undefined) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new AppError('invalid_request', 'format must be csv or ndjson');
    await stream(res, format as ExportFormat, scanHistory(store, indexKey, filter), name);
    return;
  }
  const limit = Math.min(Math.max(Number(query.limit) || 50, 1), 200);
  const before = query.before === undefined ? undefined : Number(query.before);
  if (before !== undefined && !Number.isFinite(before)) throw new AppError('invalid_request', 'before must be a time in Unix milliseconds (the next_before of a previous page)');
  const pageFilter = before === undefined ? filter : { ...filter, until: Math.min(before - 1, filter.until ?? Infinity) };
  const requests: HistoryRow[] = [];
  let lastMs: number | undefined;
  for await (const { row, atMs } of scanHistory(store, indexKey, pageFilter)) {
    requests.push(row);
    lastMs = atMs;
    if (requests.length === limit) break;
  }
  res.json({ requests, next_before: requests.length === limit ? lastMs : null });
}

/** Writes rows in 64 KB chunks, waiting for the client to drain each; stops when the client goes away. */
async function stream(res: Response, format: ExportFormat, rows: AsyncGenerator<{ row: HistoryRow }>, name: string): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', `attachment; filename="requests-${name}.${format}"`);
  res.setHeader('Cache-Control', 'no-store');
  let chunk = headerLine(format);
  let gone = false;
  res.once('close', () => (gone = true));
  for await (const { row } of rows) {
    if (gone) return;
    chunk += formatRow(format, row);
    if (chunk.length >= CHUNK_BYTES) {
      if (!res.write(chunk)) await drained(res);
      chunk = '';
    }
  }
  res.end(chunk);
}

/** Resolves once the client has taken what was written, or has gone away. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * After a fault: waits until every stored request has settled (or is provably stuck), then counts
 * what the relay promises never to do. A request is settled once its status document leaves
 * `queued`, and leaves `dispatching` unless it carries `response.error` (outcome unknown). It is
 * provably stuck when its BullMQ job is gone (or finished) and the document still has not settled.
 */
import { outcomeOf, type SentRequest } from './load.js';

export interface StatusDoc {
  request_id: string;
  state: string;
  response?: { error?: { code: string; message: string } };
  events: { event: string; leg?: number }[];
}

/** Every counter is a promise broken, except the informational `requests`, `accepted`, `dialed`, `dialed_unknown`, `unknown_not_dialed`. */
export interface FaultCounts {
  requests: number;
  accepted: number;
  dialed: number;
  dialed_twice: number;
  lost_documents: number;
  stuck_queued: number;
  /** Answered `fail`, yet a document was stored and stays `queued` (never enqueued, never cancelled). */
  orphan_queued: number;
  stuck_dispatching: number;
  /**
   * The PBX received the call request, yet the relay declared it `failed`/`expired` (a failure the
   * PBX reported for a leg, with its `leg`, is the call's honest end and does not count).
   */
  failed_after_dispatch: number;
  /** The PBX received the call request, yet the API answered `fail`. */
  fail_answer_dialed: number;
  /** The document says the PBX accepted the call, yet the PBX never received it. */
  verdict_not_dialed: number;
  /** Call requests the PBX received for request ids no client was ever given. */
  dialed_unknown: number;
  /** Outcome unknown (`dispatching` + error) though the PBX never received it: honest, but a call lost. */
  unknown_not_dialed: number;
  states: Record<string, number>;
  answers: Record<string, number>;
}

export const BROKEN_PROMISES = [
  'dialed_twice',
  'lost_documents',
  'stuck_queued',
  'orphan_queued',
  'stuck_dispatching',
  'failed_after_dispatch',
  'fail_answer_dialed',
  'verdict_not_dialed',
] as const;
export type BrokenPromise = (typeof BROKEN_PROMISES)[number];

export interface FaultReport {
  counts: FaultCounts;
  /** Up to a few request ids per broken promise, each with what its document and the PBX showed. */
  examples: Partial<Record<BrokenPromise, string[]>>;
  docs: Map<string, StatusDoc>;
  dialCounts: Map<string, number>;
  /** How long settling took. */
  settleMs: number;
  describe(id: string): string;
}

export interface AuditInput {
  sent: SentRequest[];
  /** The account's key: documents of `fail` answers (no status URL) are read with it. */
  apiKey: string;
  /** Call requests the PBX received, per request id (read after settling). */
  dialCounts: () => Map<string, number>;
  /** The BullMQ job's state (`unknown` when there is no job). */
  jobState: (id: string) => Promise<string>;
  /** Who holds the document's claim, for the description of one that never settled. */
  claimHolder?: (id: string) => Promise<string>;
  settleTimeoutMs: number;
}

const VERDICT_ACCEPTED = new Set(['accepted', 'first_answered', 'connected', 'completed', 'no_answer', 'busy']);
const JOB_OVER = new Set(['unknown', 'completed', 'failed']);
/** How long a document may stay unsettled after its job is over (the `failed` handler writes asynchronously). */
const STUCK_AFTER_JOB_MS = 5000;

export function settled(doc: StatusDoc): boolean {
  if (doc.state === 'queued') return false;
  return doc.state !== 'dispatching' || doc.response?.error !== undefined;
}

function stateLabel(doc: StatusDoc): string {
  return doc.state === 'dispatching' && doc.response?.error ? `dispatching+${doc.response.error.code}` : doc.state;
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

async function readDoc(url: string, apiKey: string | undefined): Promise<StatusDoc | 'missing' | undefined> {
  try {
    const response = await fetch(url, { headers: apiKey ? { 'x-api-key': apiKey } : {}, signal: AbortSignal.timeout(5000) });
    if (response.status === 404) return 'missing';
    if (response.status !== 200) return undefined;
    return ((await response.json()) as { c2c_status: StatusDoc }).c2c_status;
  } catch {
    return undefined;
  }
}

/**
 * Where a request's document is read: its status URL (the token) when it was answered with one;
 * else (a `fail` without one) by id with the account's key, since a document may exist anyway.
 */
function statusLocation(request: SentRequest, apiKey: string): { url: string; apiKey?: string } {
  const answer = request.answer as NonNullable<SentRequest['answer']>;
  return answer.status_url !== '' ? { url: answer.status_url } : { url: `${request.base}/v1/status/${answer.request_id}`, apiKey };
}

export async function settleAndAudit(input: AuditInput): Promise<FaultReport> {
  const answered = input.sent.filter((request) => request.answer?.request_id);
  const byId = new Map(answered.map((request) => [request.answer?.request_id as string, request]));
  const docs = new Map<string, StatusDoc>();
  const missing = new Set<string>();
  const unsettled = new Set(byId.keys());
  const jobOverSince = new Map<string, number>();
  /** The BullMQ job's state when the document was last read, for the description of a broken promise. */
  const lastJobState = new Map<string, string>();
  const settleStart = Date.now();
  const deadline = settleStart + input.settleTimeoutMs;
  for (;;) {
    await inBatches([...unsettled], 24, async (id) => {
      const jobState = await input.jobState(id).catch(() => 'error');
      lastJobState.set(id, jobState);
      const where = statusLocation(byId.get(id) as SentRequest, input.apiKey);
      const doc = await readDoc(where.url, where.apiKey);
      if (doc === undefined) return;
      if (doc === 'missing') {
        missing.add(id);
        unsettled.delete(id);
        return;
      }
      docs.set(id, doc);
      if (settled(doc)) {
        unsettled.delete(id);
      } else if (JOB_OVER.has(jobState)) {
        const since = jobOverSince.get(id) ?? Date.now();
        jobOverSince.set(id, since);
        if (Date.now() - since >= STUCK_AFTER_JOB_MS) unsettled.delete(id);
      } else {
        jobOverSince.delete(id);
      }
    });
    if (unsettled.size === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  // Who holds the claim of a document that never settled: the first question about a stuck call.
  const holders = new Map<string, string>();
  const stuck = [...docs].filter(([, doc]) => !settled(doc)).map(([id]) => id);
  if (input.claimHolder) await inBatches(stuck.slice(0, 50), 10, async (id) => void holders.set(id, await input.claimHolder!(id).catch((err: Error) => `unread (${err.message})`)));
  const dialCounts = input.dialCounts();
  const dialed = (id: string) => dialCounts.get(id) ?? 0;
  const examples: Partial<Record<BrokenPromise, string[]>> = {};
  const counts: FaultCounts = {
    requests: input.sent.length,
    accepted: input.sent.filter((request) => request.answer?.status === 'success').length,
    dialed: dialCounts.size,
    dialed_twice: 0,
    lost_documents: 0,
    stuck_queued: 0,
    orphan_queued: 0,
    stuck_dispatching: 0,
    failed_after_dispatch: 0,
    fail_answer_dialed: 0,
    verdict_not_dialed: 0,
    dialed_unknown: 0,
    unknown_not_dialed: 0,
    states: {},
    answers: {},
  };
  const describe = (id: string): string => {
    const doc = docs.get(id);
    const request = byId.get(id) ?? input.sent.find((r) => r.answer?.request_id === id);
    const answer = request ? `${outcomeOf(request)}/${request.answer?.state ?? '-'} wait=${request.wait}` : 'none';
    const document = missing.has(id) ? 'MISSING' : doc ? `${stateLabel(doc)} events=${doc.events.map((e) => e.event).join(',')}${doc.response?.error ? ` error=${doc.response.error.code}: ${doc.response.error.message}` : ''}` : 'unread';
    const claim = holders.has(id) ? ` claim=${JSON.stringify(holders.get(id))}` : '';
    return `${id} answer=${answer} pbx_requests=${dialed(id)} doc=${document}${claim} job=${lastJobState.get(id) ?? '-'}`;
  };
  const broken = (what: BrokenPromise, id: string) => {
    counts[what] += 1;
    const list = (examples[what] ??= []);
    if (list.length < 3) list.push(describe(id));
  };

  for (const request of input.sent) {
    const outcome = outcomeOf(request);
    counts.answers[outcome] = (counts.answers[outcome] ?? 0) + 1;
    const id = request.answer?.request_id;
    if (id === undefined) continue;
    if (request.answer?.status === 'fail' && dialed(id) > 0) broken('fail_answer_dialed', id);
    if (request.answer?.status === 'success' && missing.has(id)) broken('lost_documents', id);
  }
  for (const [id, doc] of docs) {
    counts.states[stateLabel(doc)] = (counts.states[stateLabel(doc)] ?? 0) + 1;
    if (doc.state === 'queued') broken(byId.get(id)?.answer?.status === 'fail' ? 'orphan_queued' : 'stuck_queued', id);
    else if (!settled(doc)) broken('stuck_dispatching', id);
    const everAccepted = doc.events.some((event) => event.event === 'accepted');
    const pbxReportedEnd = doc.events[doc.events.length - 1]?.leg !== undefined;
    if (dialed(id) > 0 && (doc.state === 'failed' || doc.state === 'expired') && !pbxReportedEnd) broken('failed_after_dispatch', id);
    if (dialed(id) === 0 && (VERDICT_ACCEPTED.has(doc.state) || everAccepted)) broken('verdict_not_dialed', id);
    if (dialed(id) === 0 && doc.state === 'dispatching' && settled(doc)) counts.unknown_not_dialed += 1;
  }
  const given = new Set(input.sent.flatMap((request) => (request.answer ? [request.answer.request_id] : [])));
  for (const [id, n] of dialCounts) {
    if (n > 1) broken('dialed_twice', id);
    if (!given.has(id)) counts.dialed_unknown += 1;
  }
  return { counts, examples, docs, dialCounts, settleMs: Date.now() - settleStart, describe };
}

/** The one line a scenario prints: `fault NAME: key=value …`. */
export function faultLine(name: string, report: FaultReport, extra: Record<string, unknown> = {}): string {
  const fields = { ...report.counts, ...extra, settle_s: Math.round(report.settleMs / 1000) };
  const text = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  return `fault ${name}: ${text}`;
}

/** The broken promises with their example request ids, for an assertion message. */
export function explain(report: FaultReport, which: readonly BrokenPromise[]): string {
  return which
    .filter((what) => report.counts[what] > 0)
    .map((what) => `${what}=${report.counts[what]}:\n    ${(report.examples[what] ?? []).join('\n    ')}`)
    .join('\n  ');
}

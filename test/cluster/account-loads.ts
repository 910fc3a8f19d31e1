/**
 * Load over many accounts at once (the account is the sharding key, so spreading calls over the
 * masters takes many accounts): one fault-suite `Load` per account, run side by side, and one audit
 * over all of them, made of the fault suite's `settleAndAudit` run per account (a `fail` answer's
 * document is read with its own account's key) and merged.
 */
import { BROKEN_PROMISES, settleAndAudit, type BrokenPromise, type FaultCounts, type FaultReport, type StatusDoc } from '../faults/fault-audit.js';
import { Load, outcomeOf, type SentRequest } from '../faults/load.js';
import type { ClusterAccount, ClusterRig } from './cluster-rig.js';

export interface AccountLoad {
  account: ClusterAccount;
  load: Load;
}

export interface LoadsOptions {
  /** Requests per account. */
  perAccount: number;
  durationMs: number;
  /** At most this many requests in flight, over all accounts. */
  concurrency: number;
  waitFor: (index: number) => number;
  numberBase: number;
}

export class AccountLoads {
  readonly loads: AccountLoad[];

  constructor(rig: ClusterRig, options: LoadsOptions, accounts: ClusterAccount[] = rig.accounts) {
    const concurrency = Math.max(1, Math.floor(options.concurrency / accounts.length));
    this.loads = accounts.map((account) => ({
      account,
      // Accounts' numbers never overlap, so no request is a repeat of another.
      load: new Load({ bases: rotate(rig.bases, account.index), apiKey: account.apiKey, pbx: 'other', count: options.perAccount, durationMs: options.durationMs, concurrency, waitFor: options.waitFor, numberBase: options.numberBase + account.index * 100_000 }),
    }));
  }

  run(): Promise<SentRequest[][]> {
    return Promise.all(this.loads.map(({ load }) => load.run()));
  }

  stop(): void {
    for (const { load } of this.loads) load.stop();
  }

  /** Every request so far, with the account that sent it. */
  sent(): { account: ClusterAccount; request: SentRequest }[] {
    return this.loads.flatMap(({ account, load }) => load.sent.map((request) => ({ account, request })));
  }

  answered(predicate: (request: SentRequest) => boolean = () => true): number {
    return this.loads.reduce((sum, { load }) => sum + load.answered(predicate), 0);
  }
}

/** Each account starts its round-robin over the web processes at a different one. */
function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export function answerCounts(requests: SentRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[outcomeOf(request)] = (counts[outcomeOf(request)] ?? 0) + 1;
  return counts;
}

/**
 * `settleAndAudit` per account, merged: counts summed, examples and documents gathered. Each
 * account's audit sees only the PBX requests for its own request ids; call requests for ids no
 * client was ever given are counted once, over all accounts.
 */
export async function auditAccounts(rig: ClusterRig, sent: { account: ClusterAccount; request: SentRequest }[], settleTimeoutMs: number): Promise<FaultReport> {
  const groups = new Map<ClusterAccount, SentRequest[]>();
  for (const { account, request } of sent) groups.set(account, [...(groups.get(account) ?? []), request]);
  const reports: FaultReport[] = [];
  const entries = [...groups];
  // A few accounts at a time: each audit reads its documents 24 at a time.
  for (let i = 0; i < entries.length; i += 4) {
    reports.push(
      ...(await Promise.all(
        entries.slice(i, i + 4).map(([account, requests]) => {
          const given = new Set(requests.flatMap((request) => (request.answer ? [request.answer.request_id] : [])));
          const dialCounts = () => new Map([...rig.httpDialCounts()].filter(([id]) => given.has(id)));
          return settleAndAudit({ sent: requests, apiKey: account.apiKey, dialCounts, jobState: (id) => rig.jobState(id), settleTimeoutMs });
        }),
      )),
    );
  }
  return merge(reports, rig.httpDialCounts(), sent);
}

function merge(reports: FaultReport[], dialCounts: Map<string, number>, sent: { request: SentRequest }[]): FaultReport {
  const total: Record<string, unknown> = { ...Object.fromEntries(BROKEN_PROMISES.map((what) => [what, 0])), states: {}, answers: {} };
  const examples: FaultReport['examples'] = {};
  const docs = new Map<string, StatusDoc>();
  for (const report of reports) {
    for (const [key, value] of Object.entries(report.counts)) {
      if (typeof value === 'number') {
        total[key] = ((total[key] as number | undefined) ?? 0) + value;
      } else {
        const into = (total[key] ??= {}) as Record<string, number>;
        for (const [name, n] of Object.entries(value as Record<string, number>)) into[name] = (into[name] ?? 0) + n;
      }
    }
    for (const [what, list] of Object.entries(report.examples) as [BrokenPromise, string[]][]) examples[what] = [...(examples[what] ?? []), ...list].slice(0, 3);
    for (const [id, doc] of report.docs) docs.set(id, doc);
  }
  const counts = total as unknown as FaultCounts;
  const given = new Set(sent.flatMap(({ request }) => (request.answer ? [request.answer.request_id] : [])));
  counts.dialed = dialCounts.size;
  counts.dialed_unknown = [...dialCounts.keys()].filter((id) => !given.has(id)).length;
  return {
    counts,
    examples,
    docs,
    dialCounts,
    settleMs: Math.max(0, ...reports.map((report) => report.settleMs)),
    describe: (id) => (reports.find((report) => report.docs.has(id)) ?? reports[0])?.describe(id) ?? id,
  };
}

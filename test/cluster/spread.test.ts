import { expect } from 'chai';
import { Shards } from '../../shared/shards.js';
import type { FaultReport } from '../faults/fault-audit.js';
import { AccountLoads, answerCounts, auditAccounts } from './account-loads.js';
import { masterOfSlot } from './cluster-nodes.js';
import { ClusterRig } from './cluster-rig.js';
import { byMaster, clusterLine, shares } from './cluster-report.js';

/** The share of the calls (and of the commands) every master must carry: a third, less the spread of random account placement. */
const MIN_SHARE = 0.2;
/** 30 accounts on each shard (the rig's evenShards): the masters' shares then show how the relay spreads the work. */
const ACCOUNTS = 90;
const PER_ACCOUNT = 4;
/** Prefixes an operator might choose: the shards' tags must spread over the masters for any of them. */
const PREFIXES = ['c2c', ...Array.from({ length: 8 }, (_, i) => `relay-${i + 1}`)];

interface HistoryCheck {
  accounts: number;
  requests: number;
  listed: number;
  /** Accounts whose listing is not exactly the request ids it was answered with. */
  wrong: string[];
}

describe('cluster spread: when 90 accounts place calls through 2 webs and 2 workers on a 3-master cluster with QUEUE_SHARDS=3', function () {
  this.timeout(180_000);
  let rig: ClusterRig | undefined;
  let report: FaultReport | undefined;
  let placement: { shard: number; slot: number; master: number | undefined }[] = [];
  /** Prefixes whose 3 shards do not land on 3 different masters, with their slots. */
  let unspread: string[] | undefined;
  const docs = new Map<number, number>();
  const commands = new Map<number, number>();
  let misplaced: string[] = [];
  let unfound: string[] = [];
  let history: HistoryCheck | undefined;

  before(async function () {
    rig = await ClusterRig.start({ name: 'spread', prefix: 'c2c', webs: 2, workers: 2, accounts: ACCOUNTS, shards: 3, evenShards: true });
    rig.pbx.behave({ kind: 'answer', minDelayMs: 20, maxDelayMs: 100 });
    placement = await rig.shardPlacement();
    const masters = await rig.nodes.masters();
    unspread = [];
    for (const prefix of PREFIXES) {
      const shards = new Shards(prefix, 3, true);
      const slots = await Promise.all(shards.all().map((n) => rig!.nodes.keyslot(`${shards.keyPrefix(n)}:x`)));
      if (new Set(slots.map((slot) => masterOfSlot(masters, slot)?.port)).size !== 3) unspread.push(`${prefix}: slots ${slots.join(',')}`);
    }
    const before = new Map(await Promise.all(masters.map(async (m) => [m.port, await rig!.nodes.commandCalls(m.port)] as const)));

    const loads = new AccountLoads(rig, { perAccount: PER_ACCOUNT, durationMs: 5000, concurrency: 120, waitFor: (i) => (i % 2 === 0 ? 0 : 5), numberBase: 5_551_000_000 });
    await loads.run();
    const sent = loads.sent();
    report = await auditAccounts(rig, sent, 60_000);

    for (const m of masters) commands.set(m.port, (await rig.nodes.commandCalls(m.port)) - (before.get(m.port) ?? 0));
    const located = await rig.statusDocumentsByMaster();
    const shardMaster = new Map(placement.map((p) => [p.shard, p.master]));
    const given = new Set(sent.flatMap(({ request }) => (request.answer ? [request.answer.request_id] : [])));
    for (const [port, found] of located) docs.set(port, [...found].filter((id) => given.has(id)).length);
    const where = new Map([...located].flatMap(([port, found]) => [...found].map((id) => [id, port] as const)));
    const accepted = sent.filter(({ request }) => request.answer?.status === 'success').map(({ request }) => request.answer!.request_id);
    unfound = accepted.filter((id) => !where.has(id));
    misplaced = accepted.filter((id) => where.has(id) && where.get(id) !== shardMaster.get(rig!.shards.ofRequest(id) ?? -1));

    const accountsPerMaster = new Map<number, number>();
    for (const account of rig.accounts) {
      const first = sent.find(({ account: a, request }) => a === account && request.answer?.status === 'success')?.request.answer?.request_id;
      const port = first === undefined ? undefined : where.get(first);
      if (port !== undefined) accountsPerMaster.set(port, (accountsPerMaster.get(port) ?? 0) + 1);
    }

    history = await checkHistory(rig, sent);
    const dbsize = Object.fromEntries(await Promise.all(masters.map(async (m) => [`m${m.port}`, await rig!.nodes.dbsize(m.port)] as const)));
    console.log(
      clusterLine('spread', {
        shards: placement.map((p) => `${p.shard}:slot${p.slot}@m${p.master}`).join(','),
        requests: sent.length,
        answers: answerCounts(sent.map(({ request }) => request)),
        accounts_per_master: byMaster(accountsPerMaster),
        docs_per_master: byMaster(docs),
        docs_pct: shares(docs),
        commands_per_master: byMaster(commands),
        commands_pct: shares(commands),
        dbsize,
        prefixes_unspread: unspread.length,
        misplaced: misplaced.length,
        unfound: unfound.length,
        dialed_twice: report.counts.dialed_twice,
        logs: rig.logDir,
      }),
    );
    console.log(clusterLine('history', { accounts: history.accounts, requests: history.requests, listed: history.listed, wrong: history.wrong.length }));
  });

  after(async () => {
    await rig?.stop();
  });

  it("then the shards' hash tags land on all three masters", function () {
    if (placement.length === 0) this.skip();
    expect(new Set(placement.map((p) => p.master)).size, JSON.stringify(placement)).to.equal(3);
  });

  it(`then they do for any REDIS_PREFIX (${PREFIXES.join(', ')})`, function () {
    if (!unspread) this.skip();
    expect(unspread, unspread.join('; ')).to.deep.equal([]);
  });

  it('then every call was accepted and dialed once', function () {
    if (!report) this.skip();
    expect({ accepted: report.counts.accepted, dialed: report.counts.dialed, dialed_twice: report.counts.dialed_twice }, JSON.stringify(report.counts.answers)).to.deep.equal({
      accepted: ACCOUNTS * PER_ACCOUNT,
      dialed: ACCOUNTS * PER_ACCOUNT,
      dialed_twice: 0,
    });
  });

  it("then every call's status document is on the master of the shard its request id names", function () {
    if (!report) this.skip();
    expect({ unfound: unfound.slice(0, 3), misplaced: misplaced.slice(0, 3) }).to.deep.equal({ unfound: [], misplaced: [] });
  });

  it(`then each master holds at least ${MIN_SHARE * 100}% of the calls' status documents`, function () {
    if (docs.size === 0) this.skip();
    const total = [...docs.values()].reduce((sum, n) => sum + n, 0);
    expect(docs.size, 'masters holding documents').to.equal(3);
    for (const [port, n] of docs) expect(n / total, `master ${port}: ${JSON.stringify(byMaster(docs))}`).to.be.at.least(MIN_SHARE);
  });

  it(`then each master runs at least ${MIN_SHARE * 100}% of the commands`, function () {
    if (commands.size === 0) this.skip();
    const total = [...commands.values()].reduce((sum, n) => sum + n, 0);
    for (const [port, n] of commands) expect(n / total, `master ${port}: ${JSON.stringify(byMaster(commands))}`).to.be.at.least(MIN_SHARE);
  });

  it("then GET /admin/v1/accounts/{id}/requests lists exactly each account's requests, whatever its shard", function () {
    if (!history) this.skip();
    expect(history.wrong.slice(0, 3)).to.deep.equal([]);
    expect(history.listed).to.equal(history.requests);
  });
});

/** Each account's history, read through the second web process, against the request ids it was given. */
async function checkHistory(rig: ClusterRig, sent: ReturnType<AccountLoads['sent']>): Promise<HistoryCheck> {
  const check: HistoryCheck = { accounts: 0, requests: 0, listed: 0, wrong: [] };
  for (const account of rig.accounts) {
    const given = sent.filter(({ account: a, request }) => a === account && request.answer?.status === 'success').map(({ request }) => request.answer!.request_id);
    const page = await rig.admin('GET', `/admin/v1/accounts/${account.id}/requests?limit=200`, undefined, rig.bases[1]);
    const listed = (page.requests as { request_id: string }[]).map((row) => row.request_id);
    check.accounts += 1;
    check.requests += given.length;
    check.listed += listed.length;
    if ([...listed].sort().join() !== [...given].sort().join()) check.wrong.push(`${account.id}: given ${given.length}, listed ${listed.length}`);
  }
  return check;
}

/**
 * The promises every fault scenario checks, one `it` each, so the summary line counts them one by
 * one. A failure names the request ids and what their status documents and the PBX showed.
 */
import { expect } from 'chai';
import { explain, type BrokenPromise, type FaultReport } from './fault-audit.js';

const PROMISES: { title: string; which: BrokenPromise[] }[] = [
  { title: 'then no request is dialed twice', which: ['dialed_twice'] },
  { title: 'then every request answered success keeps its status document', which: ['lost_documents'] },
  { title: 'then nothing stays queued, or dispatching without a verdict, for ever', which: ['stuck_queued', 'orphan_queued', 'stuck_dispatching'] },
  { title: 'then no call the PBX received is failed, nor answered fail', which: ['failed_after_dispatch', 'fail_answer_dialed'] },
  { title: 'then nothing the PBX never received is reported accepted', which: ['verdict_not_dialed'] },
];

export function itKeepsThePromises(report: () => FaultReport | undefined): void {
  it('then the relay accepted at least a quarter of the load (else the checks below prove little)', function () {
    const current = report();
    if (!current) this.skip();
    expect(current.counts.accepted, JSON.stringify(current.counts.answers)).to.be.at.least(current.counts.requests / 4);
  });
  for (const { title, which } of PROMISES) {
    it(title, function () {
      const current = report();
      if (!current) this.skip();
      const broken = Object.fromEntries(which.map((what) => [what, current.counts[what]]));
      const none = Object.fromEntries(which.map((what) => [what, 0]));
      expect(broken, explain(current, which)).to.deep.equal(none);
    });
  }
}

/**
 * A worker killed with calls at the PBX: each call the PBX had received whose answer the worker never
 * recorded must say its outcome is unknown (`dispatching` with `response.error`), never anything else.
 */
export function itRecordsCallsLostWithTheWorker(report: () => FaultReport | undefined, atPbxWhenKilled: () => string[]): void {
  it('then a call the killed worker had sent, whose answer it never recorded, is dispatching with response.error', function () {
    const current = report();
    if (!current) this.skip();
    const dishonest = atPbxWhenKilled()
      .map((id) => current.docs.get(id))
      .filter((doc) => doc !== undefined && doc.state !== 'accepted' && !(doc.state === 'dispatching' && doc.response?.error));
    const examples = dishonest.slice(0, 3).map((doc) => current.describe(doc?.request_id as string));
    expect(dishonest.length, examples.join('\n')).to.equal(0);
  });
}

import { expect } from 'chai';
import {
  createQueued,
  createRefused,
  markAccepted,
  markDispatching,
  markExpired,
  markFailed,
  markInterrupted,
  MAX_PBX_TEXT,
  markOutcomeUnknown,
  markProgress,
  outcomeUnknown,
  TransitionError,
  utcTime,
} from '../../shared/status/status-document.js';

const request = { requestId: 'r1', serverId: 's1', requestUrl: '/v1/click2call?api_key=REDACTED', httpMethod: 'GET', requestData: {} };
const t0 = 1435628937_000;

describe('status document transitions', () => {
  it('when a call goes the whole way, then state moves forward and each step is an event', () => {
    let doc = createQueued(request, t0);
    doc = markDispatching(doc, 'asterisk', { Action: 'Originate' }, t0 + 1000);
    doc = markAccepted(doc, { Response: 'Success' }, t0 + 2000);
    doc = markProgress(doc, { event: 'first_answered', leg: 1 }, t0 + 3000);
    doc = markProgress(doc, { event: 'connected', leg: 2 }, t0 + 4000);
    doc = markProgress(doc, { event: 'completed' }, t0 + 5000);
    expect(doc.state).to.equal('completed');
    expect(doc.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
    expect(doc.pbx_request).to.deep.equal({ 'utc.time': '1435628938', pbx: 'asterisk', pbx_data: { Action: 'Originate' } });
    expect(doc.response?.['utc.time']).to.equal('1435628939');
    expect(doc.events[3]).to.deep.equal({ 'utc.time': '1435628940', event: 'first_answered', leg: 1 });
  });

  it('when a transition would move backwards or skip dispatching, then it is refused', () => {
    const queued = createQueued(request, t0);
    expect(() => markAccepted(queued, {}, t0)).to.throw(TransitionError);
    const accepted = markAccepted(markDispatching(queued, 'other', {}, t0), {}, t0);
    expect(() => markDispatching(accepted, 'other', {}, t0)).to.throw(TransitionError);
    const expired = markExpired(queued, { code: 'pbx_timeout', message: 'x' }, t0);
    expect(() => markDispatching(expired, 'other', {}, t0)).to.throw(TransitionError);
    const completed = markProgress(accepted, { event: 'completed' }, t0);
    expect(() => markProgress(completed, { event: 'busy' }, t0)).to.throw(TransitionError);
  });

  it('when a request is refused before queueing, then the document is failed with the error', () => {
    const doc = createRefused(request, { code: 'number_not_allowed', message: 'no' }, t0);
    expect(doc.state).to.equal('failed');
    expect(doc.response?.error).to.deep.equal({ code: 'number_not_allowed', message: 'no' });
  });

  it('when the PBX refuses, then its answer and the error are both kept', () => {
    const doc = markFailed(markDispatching(createQueued(request, t0), 'asterisk', {}, t0), { code: 'pbx_error', message: 'Extension does not exist.' }, t0, { Response: 'Error' });
    expect(doc.response).to.deep.equal({ 'utc.time': utcTime(t0), response_data: { Response: 'Error' }, error: { code: 'pbx_error', message: 'Extension does not exist.' } });
  });

  it('when the answer to a dispatched call request is lost, then the state stays dispatching with the error recorded', () => {
    const dispatched = markDispatching(createQueued(request, t0), 'other', {}, t0 + 1000);
    const error = { code: 'pbx_timeout' as const, message: 'The PBX did not answer in time; the call may still be placed, so it was not retried.' };
    const doc = markOutcomeUnknown(dispatched, error, t0 + 5000);
    expect(doc.state).to.equal('dispatching');
    expect(doc.response).to.deep.equal({ 'utc.time': utcTime(t0 + 5000), error });
    expect(doc.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching']);
    expect(outcomeUnknown(doc)).to.equal(true);
    expect(outcomeUnknown(dispatched)).to.equal(false);
  });

  it('when the call request was never dispatched or already has a verdict, then its outcome cannot become unknown', () => {
    const error = { code: 'pbx_timeout' as const, message: 'x' };
    expect(() => markOutcomeUnknown(createQueued(request, t0), error, t0)).to.throw(TransitionError);
    const accepted = markAccepted(markDispatching(createQueued(request, t0), 'other', {}, t0), {}, t0);
    expect(() => markOutcomeUnknown(accepted, error, t0)).to.throw(TransitionError);
  });

  it('when a PBX answers with a huge body, then the document keeps a bounded, marked prefix and the error text once', () => {
    const huge = 'x'.repeat(100_000);
    const dispatching = markDispatching(createQueued(request, t0), 'other', {}, t0);
    const failed = markFailed(dispatching, { code: 'pbx_error', message: huge }, t0, huge);
    const size = JSON.stringify(failed).length;
    expect(size).to.be.below(2 * MAX_PBX_TEXT);
    expect(failed.response?.error?.message).to.contain('truncated from 100000 characters');
    expect(failed.response).to.not.have.property('response_data');
    expect(failed.events.at(-1)?.cause).to.equal('pbx_error');
    const accepted = markAccepted(dispatching, { body: huge }, t0);
    expect(accepted.response?.response_data).to.deep.include({ truncated: true, length: 100_011 });
  });

  it('when a worker stopped after claiming, then a queued or dispatching document records an unknown outcome; a verdict stays', () => {
    const error = { code: 'internal_error' as const, message: 'stopped' };
    const fromQueued = markInterrupted(createQueued(request, t0), error, t0);
    expect(fromQueued.state).to.equal('dispatching');
    expect(outcomeUnknown(fromQueued)).to.equal(true);
    const dispatching = markDispatching(createQueued(request, t0), 'asterisk', {}, t0);
    expect(outcomeUnknown(markInterrupted(dispatching, error, t0))).to.equal(true);
    const accepted = markAccepted(dispatching, {}, t0);
    expect(markInterrupted(accepted, error, t0)).to.equal(accepted);
  });
});

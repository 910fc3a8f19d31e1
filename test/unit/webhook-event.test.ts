/** Webhook events, their signature and the retry schedule: pure functions. */
import { expect } from 'chai';
import { createQueued, markAccepted, markDispatching, markProgress } from '../../shared/status/status-document.js';
import { eventsOfChange, signatureHeader } from '../../shared/webhooks/webhook-event.js';
import { MAX_RETRY_DELAY_MS, nextRetryDelayMs, RETRY_WINDOW_MS, retryDelayMs } from '../../shared/webhooks/webhook-job.js';

const REQUEST_ID = '2c4f781a-4825-4d09-a573-2d8689e5682b';
const queued = createQueued({ requestId: REQUEST_ID, serverId: 's', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: {} }, 1_000_000);
const accepted = markAccepted(markDispatching(queued, 'asterisk', {}, 1_001_000), {}, 1_002_000);
const connected = markProgress(markProgress(accepted, { event: 'first_answered', leg: 1 }, 1_003_000), { event: 'connected' }, 1_004_000);

describe('webhook events', () => {
  it('when the first write moved a call from queued to accepted, then it yields queued, dispatching and accepted, each named by its index', () => {
    const events = eventsOfChange(accepted, 0, 'accepted');
    expect(events.map((event) => [event.id, event.state, event['utc.time']])).to.deep.equal([
      [`evt_${REQUEST_ID}_0`, 'queued', '1000'],
      [`evt_${REQUEST_ID}_1`, 'dispatching', '1001'],
      [`evt_${REQUEST_ID}_2`, 'accepted', '1002'],
    ]);
    expect(events[0]).to.deep.equal({ id: `evt_${REQUEST_ID}_0`, type: 'call.state_changed', request_id: REQUEST_ID, state: 'queued', event: { 'utc.time': '1000', event: 'queued' }, 'utc.time': '1000' });
  });

  it('when the document has moved on since the change, then only the entries of that change are its events', () => {
    expect(eventsOfChange(connected, 3, 'first_answered').map((event) => event.state)).to.deep.equal(['first_answered']);
    expect(eventsOfChange(connected, 3, 'connected').map((event) => event.event)).to.deep.equal([
      { 'utc.time': '1003', event: 'first_answered', leg: 1 },
      { 'utc.time': '1004', event: 'connected' },
    ]);
  });

  it('when a body is signed, then the header is t and the hex HMAC-SHA256 of "<t>.<body>" keyed by the secret string', () => {
    // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_test', b'1700000000.{\"a\":1}', hashlib.sha256).hexdigest())"
    expect(signatureHeader('whsec_test', 1_700_000_000, '{"a":1}')).to.equal('t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789');
  });

  it('when attempts fail, then the wait doubles from the base up to an hour, and no retry starts past 24 h', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 10_000))).to.deep.equal([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(30, 10_000)).to.equal(MAX_RETRY_DELAY_MS);
    expect(nextRetryDelayMs(1, 0, 1000, 50)).to.equal(50);
    expect(nextRetryDelayMs(20, 0, RETRY_WINDOW_MS - MAX_RETRY_DELAY_MS, 10_000)).to.equal(MAX_RETRY_DELAY_MS);
    expect(nextRetryDelayMs(20, 0, RETRY_WINDOW_MS - MAX_RETRY_DELAY_MS + 1, 10_000)).to.equal(undefined);
  });
});

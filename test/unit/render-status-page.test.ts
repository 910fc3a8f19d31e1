import { expect } from 'chai';
import { renderStatusPage } from '../../api/status/render-status-page.js';
import { createQueued, markDispatching, markOutcomeUnknown, markAccepted, markProgress } from '../../shared/status/status-document.js';

const t0 = 1_795_000_000_000;
const queued = createQueued({ requestId: 'r1', serverId: 's1', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: { dial_first: '1001', dial_second: '<b>5550100</b>', pbx: 'other' } }, t0);
const dispatched = markDispatching(queued, 'other', {}, t0 + 1000);

describe('status page', () => {
  it('when the call is still moving, then the page refreshes itself and escapes what the client sent', () => {
    const html = renderStatusPage(dispatched);
    expect(html).to.contain('<meta http-equiv="refresh" content="2">');
    expect(html).to.contain('&lt;b&gt;5550100&lt;/b&gt;').and.not.contain('<b>5550100</b>');
  });

  it('when the call has ended, then the page stays put', () => {
    const done = markProgress(markAccepted(dispatched, {}, t0 + 2000), { event: 'completed', cause: '16 Normal Clearing' }, t0 + 9000);
    expect(renderStatusPage(done)).to.not.contain('http-equiv="refresh"');
  });

  it('when the outcome of the call request is unknown, then the page says the PBX may have placed it and stops refreshing', () => {
    const html = renderStatusPage(markOutcomeUnknown(dispatched, { code: 'pbx_timeout', message: 'The PBX did not answer in time.' }, t0 + 5000));
    expect(html).to.contain('pbx_timeout: The PBX did not answer in time.');
    expect(html).to.contain('may have placed this call');
    expect(html).to.not.contain('http-equiv="refresh"');
  });
});

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { LIVE_UPDATE_SCRIPT } from '../../api/status/live-update-script.js';
import { renderStatusPage, STATUS_PAGE_CSP } from '../../api/status/render-status-page.js';
import { createQueued, markAccepted, markDispatching, markOutcomeUnknown, markProgress, type StatusDocument } from '../../shared/status/status-document.js';

const t0 = 1_795_000_000_000;
const queued = createQueued({ requestId: 'r1', serverId: 's1', requestUrl: '/v1/click2call', httpMethod: 'GET', requestData: { dial_first: '1001', dial_second: '<b>5550100</b>', pbx: 'asterisk' } }, t0);
const dispatched = markDispatching(queued, 'asterisk', {}, t0 + 1000);
const settled = (html: string) => /data-settled="(true|false)"/.exec(html)?.[1];

describe('status page', () => {
  it('when the call is still moving, then the page is not settled (its script keeps long-polling) and escapes what the client sent', () => {
    const html = renderStatusPage(dispatched, '"3"');
    expect(settled(html)).to.equal('false');
    expect(html).to.contain('data-etag="&quot;3&quot;"');
    expect(html).to.not.contain('http-equiv="refresh"');
    expect(html).to.contain('&lt;b&gt;5550100&lt;/b&gt;').and.not.contain('<b>5550100</b>');
  });

  it('when the call has ended, then the page is settled', () => {
    const done = markProgress(markAccepted(dispatched, {}, t0 + 2000), { event: 'completed', cause: '16 Normal Clearing' }, t0 + 9000);
    expect(settled(renderStatusPage(done, '"5"'))).to.equal('true');
  });

  it('when a PBX that reports no progress has accepted the call, then the page is settled: nothing more will come', () => {
    const other = createQueued({ requestId: 'r2', serverId: 's1', requestUrl: '/', httpMethod: 'GET', requestData: { dial_first: '1001', dial_second: '5550100', pbx: 'other' } }, t0);
    expect(settled(renderStatusPage(markAccepted(markDispatching(other, 'other', {}, t0), {}, t0), '"3"'))).to.equal('true');
    expect(settled(renderStatusPage(markAccepted(dispatched, {}, t0 + 2000), '"3"'))).to.equal('false');
  });

  it('when the outcome of the call request is unknown, then the page says the PBX may have placed it and is settled', () => {
    const html = renderStatusPage(markOutcomeUnknown(dispatched, { code: 'pbx_timeout', message: 'The PBX did not answer in time.' }, t0 + 5000), '"4"');
    expect(html).to.contain('pbx_timeout: The PBX did not answer in time.');
    expect(html).to.contain('may have placed this call');
    expect(settled(html)).to.equal('true');
  });

  it('when the request carried call options, then the page shows page, ref, recording, caller IDs and wait_for, escaped', () => {
    const hostile = '<img src=x onerror="alert(1)">\'&';
    const doc = createQueued({
      requestId: 'r3', serverId: 's1', requestUrl: '/', httpMethod: 'GET',
      requestData: { dial_first: '1001', dial_second: '5550100', dial_as: '1002', pbx: 'other', timeout: 25, page: hostile, ref: 'crm-42', record: 1, warning: 2, first_callerid: '5550111', second_callerid: '5550122', wait_for: 'connected' },
    }, t0);
    const html = renderStatusPage(doc, '"1"');
    expect(html).to.not.contain('<img');
    expect(html).to.contain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;');
    for (const shown of ['crm-42', 'yes, warning: first leg only', '5550111', '5550122', 'connected', '1002', '25 s']) expect(html).to.contain(shown);
  });

  it('when the document has FindMe attempts, then each is listed with its number, result and time', () => {
    const doc = { ...queued, attempts: [{ called_number: '1001', call_result: 'No Answer', 'utc.time': '1795000000' }, { called_number: '<5551234>', call_result: 'Answered', 'utc.time': '1795000020' }] } as StatusDocument;
    const html = renderStatusPage(doc, '"1"');
    expect(html).to.contain('<h2>Attempts</h2>');
    expect(html).to.contain('<td>1001</td><td>No Answer</td>').and.contain('&lt;5551234&gt;').and.contain('2026-11-18 11:07:00 UTC');
  });

  it('when the page is served, then its policy allows exactly its own script by hash, and fetches to its own origin', () => {
    const hash = createHash('sha256').update(LIVE_UPDATE_SCRIPT).digest('base64');
    expect(STATUS_PAGE_CSP).to.contain(`script-src 'sha256-${hash}'`).and.contain("connect-src 'self'").and.contain("default-src 'none'");
    expect(renderStatusPage(queued, '"1"')).to.contain(`<script>${LIVE_UPDATE_SCRIPT}</script>`);
    expect(LIVE_UPDATE_SCRIPT).to.not.contain('</');
  });
});

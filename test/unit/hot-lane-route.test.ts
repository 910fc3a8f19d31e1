import { expect } from 'chai';
import { laneRoute } from '../../api/hot-lane.js';
import { LINK_PREVIEW_AGENTS } from '../support/user-agents.js';

const ID = '2c4f781a-4825-4d09-a573-2d8689e5682b';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('the hot lane takes only what it answers exactly as Express would', () => {
  it('when a click2call comes by GET, or a status document is read as JSON, then the lane takes it', () => {
    expect(laneRoute('GET', '/v1/click2call?dial_first=1001&dial_second=5550100', { 'x-api-key': 'k' })).to.deep.equal({ route: 'click2call', path: '/v1/click2call', query: 'dial_first=1001&dial_second=5550100' });
    expect(laneRoute('GET', `/v1/status/${ID}?token=abc`, { accept: 'application/json' })).to.deep.equal({ route: 'status', path: `/v1/status/${ID}`, query: 'token=abc' });
    expect(laneRoute('GET', `/v1/status/${ID}`, {})?.route).to.equal('status');
  });

  it('when the method, the spelling, the client or the kind of read differs, then Express answers', () => {
    const express = [
      ['HEAD', '/v1/click2call?dial_first=1001', {}],
      ['POST', '/v1/click2call', { 'content-type': 'application/json' }],
      ['OPTIONS', '/v1/click2call', {}],
      ['GET', '/v1/click2call?dial_first=1001', { 'user-agent': LINK_PREVIEW_AGENTS['Slack unfurler'] }],
      ['GET', '/V1/click2call?dial_first=1001', {}],
      ['GET', '/v1/click2call/?dial_first=1001', {}],
      ['GET', '/v1/clicktoagent?dial_first=1001', {}],
      ['GET', `/v1/status/${ID}?token=abc`, { accept: 'text/html,application/xhtml+xml', 'user-agent': BROWSER }],
      ['GET', `/v1/status/${ID}?token=abc&wait=20`, { 'if-none-match': '"3"' }],
      ['GET', `/v1/status/${ID.toUpperCase()}?token=abc`, {}],
      ['GET', `/v1/status/${ID.replace('-', '%2D')}?token=abc`, {}],
      ['GET', '/v1/status/', {}],
      ['GET', '/healthz', {}],
      ['GET', '/v1/click2call?dial_first=1001', { 'content-type': 'application/json', 'content-length': '40' }],
      ['GET', '/v1/click2call?dial_first=1001', { 'transfer-encoding': 'chunked' }],
    ] as const;
    for (const [method, url, headers] of express) expect(laneRoute(method, url, headers), `${method} ${url}`).to.equal(undefined);
  });
});

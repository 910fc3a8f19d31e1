import { expect } from 'chai';
import { list as ISBOT_PATTERNS } from 'isbot';
import { API_CLIENT_AGENTS, isLinkPreviewAgent, linkPreviewReason } from '../../api/link-preview/link-preview.js';
import { BROWSER_AGENTS, LINK_PREVIEW_AGENTS } from '../support/user-agents.js';

describe('link previews', () => {
  for (const [who, agent] of Object.entries(LINK_PREVIEW_AGENTS)) {
    it(`when ${who} fetches a URL, then it is a link preview`, () => {
      expect(isLinkPreviewAgent(agent), agent).to.equal(true);
    });
  }

  it('when a person\'s browser, curl or the HTTP library of server code asks, then it is not a link preview', () => {
    for (const agent of [...Object.values(BROWSER_AGENTS), ...API_CLIENT_AGENTS, 'curl/7.88.1', 'python-requests/2.32.3']) expect(isLinkPreviewAgent(agent), agent).to.equal(false);
  });

  it('when the maintained list is used, then only its patterns that catch API clients are dropped', () => {
    const dropped = ISBOT_PATTERNS.filter((pattern) => API_CLIENT_AGENTS.some((agent) => new RegExp(pattern, 'i').test(agent)));
    expect(dropped.length).to.be.below(ISBOT_PATTERNS.length / 10);
  });

  it('when a request is HEAD or marked as a prefetch, then it is a link preview whatever its user agent', () => {
    const chrome = BROWSER_AGENTS['Chrome on Linux'] as string;
    expect(linkPreviewReason('HEAD', { 'user-agent': chrome })).to.equal('head');
    for (const [name, value] of [['purpose', 'prefetch'], ['sec-purpose', 'prefetch'], ['sec-purpose', 'prefetch;prerender'], ['sec-purpose', 'Prefetch; anonymous-client-ip'], ['x-moz', 'prefetch'], ['x-purpose', 'preview']]) {
      expect(linkPreviewReason('GET', { 'user-agent': chrome, [name as string]: value }), `${name}: ${value}`).to.equal('prefetch');
    }
    expect(linkPreviewReason('GET', { 'user-agent': chrome, 'sec-purpose': 'other' })).to.equal(undefined);
    expect(linkPreviewReason('GET', { 'user-agent': chrome })).to.equal(undefined);
    expect(linkPreviewReason('GET', { 'user-agent': 'Twitterbot/1.0' })).to.equal('user-agent');
    // Previews fetch; a POST is code or a form a person sent, whatever its client is called.
    expect(linkPreviewReason('POST', { 'user-agent': 'Twitterbot/1.0' })).to.equal(undefined);
    expect(linkPreviewReason('POST', { 'user-agent': 'Twitterbot/1.0', 'sec-purpose': 'prefetch' })).to.equal('prefetch');
    expect(linkPreviewReason('GET', {})).to.equal(undefined);
  });
});

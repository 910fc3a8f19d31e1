import type { IncomingHttpHeaders } from 'node:http';
import { createIsbotFromList, list as ISBOT_PATTERNS } from 'isbot';

/**
 * User agents of programs that call the API on purpose: command-line clients, the HTTP libraries
 * of server code, API tools and integration platforms. isbot counts every one of them as a bot
 * (its purpose is "not a person's browser"), but a click2call URL fetched by curl or a CRM must
 * still dial. Every isbot pattern that matches one of these is dropped; the rest of its list stays,
 * so updates of the maintained list keep flowing in.
 */
export const API_CLIENT_AGENTS: readonly string[] = [
  'curl/8.5.0',
  'Wget/1.21.4',
  'HTTPie/3.2.2',
  'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3803',
  'python-requests/2.31.0',
  'Python-urllib/3.11',
  'python-httpx/0.27.0',
  'Python/3.11 aiohttp/3.9.3',
  'axios/1.6.8',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  'node',
  'undici',
  'got (https://github.com/sindresorhus/got)',
  'Deno/1.40.0',
  'Bun/1.0.0',
  'Go-http-client/1.1',
  'okhttp/4.12.0',
  'Java/17.0.2',
  'Java-http-client/17.0.2',
  'Apache-HttpClient/4.5.14 (Java/17.0.2)',
  'GuzzleHttp/7',
  'php',
  'Ruby',
  'rest-client/2.1.0 (linux x86_64) ruby/3.2.2p53',
  'Faraday v2.9.0',
  'RestSharp/110.2.0.0',
  'reqwest/0.11',
  'libwww-perl/6.72',
  'Dart/3.2 (dart:io)',
  'PostmanRuntime/7.36.0',
  'insomnia/8.6.1',
  'Zapier',
  'Salesforce',
  'HubSpot Connect 2.0 (http://dev.hubspot.com/)',
];

/**
 * Link unfurlers and crawlers that isbot's list (5.x) does not recognise once the patterns above
 * are dropped, added here by name: Embedly, Iframely, VK's share preview, Yahoo Slurp, the
 * fediverse servers that each fetch a posted link (Mastodon, Pleroma, Akkoma), Microsoft Office's
 * link probe (`ms-office`, sent before Office opens a clicked link in the browser), and Slack's
 * image proxy without its robots URL.
 */
export const UNFURLERS_ISBOT_MISSES: readonly string[] = ['embedly', 'iframely', 'vkshare', '\\bslurp\\b', '^mastodon/', '^pleroma', '^akkoma', '\\bms-office\\b', 'slack-imgproxy'];

const keptPatterns = ISBOT_PATTERNS.filter((pattern) => !API_CLIENT_AGENTS.some((agent) => new RegExp(pattern, 'i').test(agent)));

/** True for the user agent of a link unfurler, crawler or headless renderer. */
export const isLinkPreviewAgent: (userAgent: string) => boolean = createIsbotFromList([...keptPatterns, ...UNFURLERS_ISBOT_MISSES]);

export type LinkPreviewReason = 'head' | 'prefetch' | 'user-agent';

const PREFETCH_HEADERS = ['purpose', 'sec-purpose', 'x-purpose', 'x-moz'];

/** `Purpose`/`Sec-Purpose: prefetch…` (Chrome also sends `prefetch;prerender`), Firefox's `X-Moz: prefetch`, Safari's `X-Purpose: preview`. */
function isSpeculative(headers: IncomingHttpHeaders): boolean {
  return PREFETCH_HEADERS.some((name) => {
    const value = headers[name];
    const text = (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().toLowerCase();
    return text.startsWith('prefetch') || text.startsWith('preview');
  });
}

/**
 * Why a request to a URL that places a call is a link preview rather than a person or a program
 * asking for the call, or undefined. HEAD is how many previewers and mail scanners look at a link
 * before (or instead of) fetching it, and nobody asks for a call without wanting the answer. The
 * user agent is judged on GET only: previews and crawlers fetch links, they never POST, while a
 * POST comes from code or a form a person sent, whatever HTTP client a bot list happens to name.
 */
export function linkPreviewReason(method: string, headers: IncomingHttpHeaders): LinkPreviewReason | undefined {
  if (method === 'HEAD') return 'head';
  if (isSpeculative(headers)) return 'prefetch';
  const userAgent = headers['user-agent'];
  if (method === 'GET' && userAgent !== undefined && isLinkPreviewAgent(userAgent)) return 'user-agent';
  return undefined;
}

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { Logger } from 'pino';
import proxyaddr from 'proxy-addr';
import { answerError } from './app.js';
import type { Click2CallService } from './click2call/click2call-service.js';
import type { HttpMetrics } from './http-metrics.js';
import { linkPreviewReason } from './link-preview/link-preview.js';
import { setStandardHeaders } from './middleware/security-headers.js';
import { answerCall } from './routes/call-http.js';
import { REQUEST_ID, type StatusReads } from './status/status-reads.js';

export interface HotLaneDeps {
  click2call: Click2CallService;
  statusReads: StatusReads;
  metrics: HttpMetrics;
  /** Express's compiled `trust proxy` (`app.get('trust proxy fn')`): the client address is what `req.ip` would be. */
  trustProxy: (address: string, hop: number) => boolean;
  logger: Logger;
  serverId: string;
}

/** A request the lane takes, and the answer it gives. */
type Answer = (req: IncomingMessage, path: string, query: string, res: ServerResponse) => Promise<void>;

const STATUS_PREFIX = '/v1/status/';

/** Which hot route a request is, or undefined when Express is to answer it. */
export function laneRoute(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders): { route: 'click2call' | 'status'; path: string; query: string } | undefined {
  if (method !== 'GET' || url === undefined) return undefined;
  // A GET with a body is read by Express's body parsers (its fields count): not the lane's.
  if ((headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined) return undefined;
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
  if (path === '/v1/click2call') return linkPreviewReason('GET', headers) === undefined ? { route: 'click2call', path, query } : undefined;
  if (!path.startsWith(STATUS_PREFIX) || !REQUEST_ID.test(path.slice(STATUS_PREFIX.length))) return undefined;
  // Long polls and browsers (the HTML page) are Express's.
  if (headers.accept?.includes('html') || querystring.parse(query).wait !== undefined) return undefined;
  return { route: 'status', path, query };
}

/**
 * The two hot routes answered straight from Node's HTTP server, without Express: a click2call by
 * GET, and a status read answered in JSON. Express costs about 0.25 ms of CPU per request on Node 20
 * (0.30 against 0.05 ms for the same answer, measured), a quarter of what a whole call costs the web
 * process. The lane does what the Express path does for these requests (metrics, the standard and
 * CORS headers, the same query parser, `req.ip`'s client address, the same use cases, answers and
 * error edge) and takes nothing else: HEAD, POST, OPTIONS, link previews, long polls, the HTML
 * status page and any other spelling of the paths go to Express as before (`false`).
 */
export function hotLane(deps: HotLaneDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const placeCall: Answer = (req, _path, query, res) =>
    answerCall(deps.click2call, undefined, { method: 'GET', url: req.url ?? '', headers: req.headers, fields: querystring.parse(query), clientAddress: proxyaddr(req, deps.trustProxy) }, res);

  const readStatus: Answer = (req, path, query, res) => deps.statusReads.answerJson(path.slice(STATUS_PREFIX.length), querystring.parse(query).token, req.headers, res);

  const answers = { click2call: placeCall, status: readStatus };

  return (req, res) => {
    const taken = laneRoute(req.method, req.url, req.headers);
    if (taken === undefined) return false;
    const { path, query } = taken;
    const answer = answers[taken.route];
    deps.metrics.time(path, res);
    setStandardHeaders(path, res);
    answer(req, path, query, res).catch((err: unknown) => answerError(err, { path, url: req.url ?? '' }, res, deps));
    return true;
  };
}

import { Router } from 'express';
import type { StatusDocument } from '../../shared/status/status-document.js';
import type { ChangeFeed } from '../change-feed.js';
import { renderStatusPage, STATUS_PAGE_CSP } from '../status/render-status-page.js';
import { etagOf, StatusReads, type StatusReadDeps } from '../status/status-reads.js';

export { REQUEST_ID_PATTERN } from '../status/status-reads.js';

export interface StatusRouteDeps extends StatusReadDeps {
  feed: ChangeFeed;
}

export const MAX_LONG_POLL_SECONDS = 30;

/**
 * `GET /v1/status/{id}`: token or owner's key; anything else is the same 404 (SPEC §3). Plain JSON
 * reads are usually answered by the hot lane (api/hot-lane.ts) with the same StatusReads; this
 * route answers the rest: long polls, the HTML page, HEAD.
 */
export function statusRoutes(deps: StatusRouteDeps, reads: StatusReads = new StatusReads(deps)): Router {
  const router = Router();

  router.get('/v1/status/:request_id', async (req, res) => {
    const id = req.params.request_id;
    StatusReads.setHeaders(res);
    let stored = await reads.readable(id, req.query.token, req.headers);
    if (!stored) {
      StatusReads.sendJson(res, undefined, req.headers);
      return;
    }
    const waitSeconds = Math.min(Number(req.query.wait) || 0, MAX_LONG_POLL_SECONDS);
    if (waitSeconds > 0 && req.get('if-none-match') === etagOf(stored)) {
      const version = stored.version;
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const change = deps.feed.waitFor(id, (c) => c.v > version, waitSeconds * 1000, abort.signal);
      // Re-read after subscribing, so a change that landed in between is not missed.
      const latest = await deps.statusStore.getRaw(id);
      if (latest && latest.version > version) change.cancel();
      else await change.promise;
      stored = (await deps.statusStore.getRaw(id)) ?? stored;
    }
    // Negotiate only when the client can take HTML at all (browsers); API clients skip the parse.
    if (req.headers.accept?.includes('html') && req.accepts(['json', 'html']) === 'html') {
      if (StatusReads.notModified(res, stored, req.headers)) return;
      // The page's own script long-polls this URL, so its policy allows that one script and same-origin fetches.
      res.setHeader('Content-Security-Policy', STATUS_PAGE_CSP);
      res.type('html').send(renderStatusPage(JSON.parse(stored.json) as StatusDocument, etagOf(stored)));
      return;
    }
    StatusReads.sendJson(res, stored, req.headers);
  });

  return router;
}

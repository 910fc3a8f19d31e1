import { Router, type Request } from 'express';
import { verifyStatusToken } from '../../shared/security/tokens.js';
import type { StatusDocument } from '../../shared/status/status-document.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import type { ApiKeyAuth } from '../auth/api-key-auth.js';
import type { ChangeFeed } from '../change-feed.js';
import { presentedApiKey } from '../middleware/request-context.js';
import { sendJson } from '../middleware/send-json.js';
import { renderStatusPage, STATUS_PAGE_CSP } from '../status/render-status-page.js';

export interface StatusRouteDeps {
  statusStore: StatusStore;
  auth: ApiKeyAuth;
  feed: ChangeFeed;
  tokenKey: Buffer;
}

/** A request id as the status URL takes it (exported for the API description). */
export const REQUEST_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const UUID = new RegExp(REQUEST_ID_PATTERN);
export const MAX_LONG_POLL_SECONDS = 30;
const NOT_FOUND_BODY = JSON.stringify({ error: { code: 'not_found', message: 'No such request, or no access to it.' } });

type RawStatus = NonNullable<Awaited<ReturnType<StatusStore['getRaw']>>>;

const etagOf = (stored: RawStatus) => `"${stored.version}"`;

/** `GET /v1/status/{id}`: token or owner's key; anything else is the same 404 (SPEC §3). */
export function statusRoutes(deps: StatusRouteDeps): Router {
  const router = Router();

  async function readable(req: Request, id: string): Promise<RawStatus | undefined> {
    if (!UUID.test(id)) return undefined;
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    const tokenOk = token !== undefined && verifyStatusToken(deps.tokenKey, id, token);
    const stored = await deps.statusStore.getRaw(id);
    if (!stored) return undefined;
    if (tokenOk) return stored;
    // Only a header key here: an api_key in the status URL would end up in browser histories.
    const caller = await deps.auth.authenticate(presentedApiKey(req, {}));
    return caller && caller.account.id === stored.accountId ? stored : undefined;
  }

  router.get('/v1/status/:request_id', async (req, res) => {
    const id = req.params.request_id;
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept, Authorization, X-Api-Key');
    let stored = await readable(req, id);
    if (!stored) {
      sendJson(res, 404, NOT_FOUND_BODY);
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
    res.setHeader('ETag', etagOf(stored));
    if (req.get('if-none-match') === etagOf(stored)) {
      res.status(304).end();
      return;
    }
    // Negotiate only when the client can take HTML at all (browsers); API clients skip the parse.
    if (req.headers.accept?.includes('html') && req.accepts(['json', 'html']) === 'html') {
      // The page's own script long-polls this URL, so its policy allows that one script and same-origin fetches.
      res.setHeader('Content-Security-Policy', STATUS_PAGE_CSP);
      res.type('html').send(renderStatusPage(JSON.parse(stored.json) as StatusDocument, etagOf(stored)));
      return;
    }
    // The stored text is already the document: wrap it instead of parsing and re-serialising it.
    sendJson(res, 200, `{"c2c_status":${stored.json}}`);
  });

  return router;
}

import { Router, type Request, type Response } from 'express';
import type { EndpointStore } from '../../shared/endpoints/endpoint-store.js';
import { signConnectToken, CONNECT_TOKEN_SECONDS } from '../clicktocall/connect-token.js';
import type { ConnectService } from '../clicktocall/connect-service.js';
import { presentedApiKey, redactUrl } from '../middleware/request-context.js';
import { callFields, clientAddress, sendCallResult } from './call-http.js';
import { sendJson } from '../middleware/send-json.js';
import { linkPreviewReason } from '../link-preview/link-preview.js';
import { refuseLinkPreview } from './click2call-routes.js';
import { WIDGET_SCRIPT } from '../clicktocall/widget-script.js';

export interface ClickToCallRouteDeps {
  connect: ConnectService;
  endpoints: EndpointStore;
  tokenKey: Buffer;
  now?: () => number;
}

/**
 * CORS of a saved endpoint: a browser may call it only from one of its `allowed_origins` (unlike
 * /v1/click2call, whose key is the credential, a public endpoint has none, so the page is what is
 * trusted). Returns false when the request comes from a page that is not allowed.
 */
async function corsFor(req: Request, res: Response, endpoints: EndpointStore): Promise<boolean> {
  res.setHeader('Vary', 'Origin');
  const origin = req.get('origin');
  if (origin === undefined) return true;
  const endpoint = await endpoints.find(req.params.id as string);
  if (!endpoint || !(endpoint.allowed_origins ?? []).includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  // What only a preflight's answer needs.
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Api-Key, Authorization, Idempotency-Key');
    res.setHeader('Access-Control-Max-Age', '600');
  }
  return true;
}

/** SPEC §10's public side of saved endpoints: `connect`, the widget's script and its token. */
export function clickToCallRoutes(deps: ClickToCallRouteDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;

  router.options(['/v1/clicktocall/:id/connect', '/v1/clicktocall/:id/token'], async (req, res) => {
    await corsFor(req, res, deps.endpoints);
    res.status(204).end();
  });

  router.get('/v1/clicktocall/:id/token', async (req, res) => {
    await corsFor(req, res, deps.endpoints);
    res.setHeader('Cache-Control', 'no-store');
    sendJson(res, 200, { token: signConnectToken(deps.tokenKey, req.params.id as string, clientAddress(req), now()), expires_in: CONNECT_TOKEN_SECONDS });
  });

  router.get('/v1/clicktocall/:id/widget.js', async (req, res) => {
    const endpoint = await deps.endpoints.find(req.params.id as string);
    if (!endpoint || endpoint.auth_required) {
      res.status(404).type('application/javascript').send('/* no public click-to-call endpoint with this id */\n');
      return;
    }
    // The same script for every endpoint: it reads the endpoint from its own URL.
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/javascript; charset=utf-8').send(WIDGET_SCRIPT);
  });

  const connect = async (req: Request, res: Response) => {
    // A connect URL with a key in it can be pasted like a click2call URL: unfurlers must not ring it.
    if (linkPreviewReason(req.method, req.headers) !== undefined) refuseLinkPreview(res);
    await corsFor(req, res, deps.endpoints);
    const fields = callFields(req);
    const result = await deps.connect.handle({
      endpointId: req.params.id as string,
      fields,
      apiKey: presentedApiKey(req.headers, fields),
      origin: req.get('origin'),
      clientAddress: clientAddress(req),
      requestUrl: redactUrl(req.originalUrl),
      httpMethod: req.method,
    });
    sendCallResult(res, result);
  };
  router
    .route('/v1/clicktocall/:id/connect')
    .head((_req, res) => refuseLinkPreview(res))
    .get(connect)
    .post(connect)
    .all((_req, res) => {
      res.setHeader('Allow', 'GET, POST, HEAD, OPTIONS');
      res.status(405).json({ error: { code: 'invalid_request', message: 'Use GET or POST.' } });
    });

  return router;
}

import { Router } from 'express';
import type { Click2CallService } from '../click2call/click2call-service.js';
import { presentedApiKey, redactUrl, requestFields } from '../middleware/request-context.js';
import { sendJson } from '../middleware/send-json.js';

/** `GET|POST /v1/click2call`: always HTTP 200 with `{"response": …}` (SPEC §2). */
export function click2callRoutes(service: Click2CallService): Router {
  const router = Router();
  router.all('/v1/click2call', async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST, OPTIONS');
      res.status(405).json({ error: { code: 'invalid_request', message: 'Use GET or POST.' } });
      return;
    }
    const fields = requestFields(req);
    const idempotencyKey = req.get('idempotency-key');
    if (idempotencyKey !== undefined) fields.idempotency_key = idempotencyKey;
    const { response, retryAfterSeconds } = await service.handle({
      fields,
      apiKey: presentedApiKey(req, fields),
      requestUrl: redactUrl(req.originalUrl),
      httpMethod: req.method,
      clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    });
    res.setHeader('Cache-Control', 'no-store');
    if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    sendJson(res, 200, { response });
  });
  return router;
}

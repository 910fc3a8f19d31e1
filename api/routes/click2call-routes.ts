import { Router, type Request, type Response } from 'express';
import { AppError } from '../../shared/errors.js';
import type { BuildCall, Click2CallService } from '../click2call/click2call-service.js';
import { linkPreviewReason } from '../link-preview/link-preview.js';
import { requestFields } from '../middleware/request-context.js';
import { answerCall, clientAddress } from './call-http.js';

export const LINK_PREVIEW_MESSAGE = 'not dialed: link preview';

/**
 * A pasted click2call URL is fetched by chat and mail unfurlers before anyone clicks it. They are
 * refused here, before the service authenticates, counts or stores anything, with the documented
 * 200 answer (the app's error edge turns the AppError into `{"response": …}` without a status URL).
 */
export function refuseLinkPreview(res: Response): never {
  res.setHeader('Cache-Control', 'no-store');
  throw new AppError('invalid_request', LINK_PREVIEW_MESSAGE);
}

/** `GET|POST /v1/click2call`: always HTTP 200 with `{"response": …}` (SPEC §2); HEAD never dials (SPEC §11). */
export function click2callRoutes(service: Click2CallService): Router {
  return callRoutes('/v1/click2call', service);
}

/** A public calling entry point (click2call, SPEC §9's clicktoagent and clicktofindme): same answer, same link-preview refusal. */
export function callRoutes(path: string, service: Click2CallService, build?: BuildCall): Router {
  const router = Router();

  const placeCall = async (req: Request, res: Response) => {
    if (linkPreviewReason(req.method, req.headers) !== undefined) refuseLinkPreview(res);
    await answerCall(service, build, { method: req.method, url: req.originalUrl, headers: req.headers, fields: requestFields(req), clientAddress: clientAddress(req) }, res);
  };

  router
    .route(path)
    // Registered on its own (Express would hand HEAD to the GET handler) so HEAD can never reach the service.
    .head((_req, res) => refuseLinkPreview(res))
    .get(placeCall)
    .post(placeCall)
    .all((_req, res) => {
      res.setHeader('Allow', 'GET, POST, HEAD, OPTIONS');
      res.status(405).json({ error: { code: 'invalid_request', message: 'Use GET or POST.' } });
    });
  return router;
}

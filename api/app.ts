import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { TrustProxy } from '../shared/config.js';
import { AppError, toAppError } from '../shared/errors.js';
import { standardHeaders } from './middleware/security-headers.js';
import { redactUrl } from './middleware/request-context.js';
import { sendJson } from './middleware/send-json.js';
import type { HttpMetrics } from './http-metrics.js';

/** The public calling entry points: whatever goes wrong, they answer 200 with the documented JSON. */
const PUBLIC_CALL_PATHS = new Set(['/v1/click2call', '/v1/clicktoagent', '/v1/clicktofindme']);

export interface AppDeps {
  logger: Logger;
  /** The server's request durations (shared with the hot lane on the public server). */
  metrics: HttpMetrics;
  /** Route groups in the order they are mounted (public API, status, admin, health). */
  routers: Router[];
  /** Proxies whose X-Forwarded-For sets `req.ip` (the per-address limit's key); never every peer. */
  trustProxy: TrustProxy;
  serverId: string;
}

const BODY_LIMIT = '16kb';

/** Builds the Express app; never listens (the composition root and tests do that). */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('etag', false);

  app.use((req, res, next) => {
    deps.metrics.time(req.path, res);
    next();
  });

  app.use(standardHeaders);
  const parseJson = express.json({ limit: BODY_LIMIT });
  const parseForm = express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 50 });
  // Only requests that carry a body go through the parsers (most of the traffic is GET).
  app.use((req, res, next) => {
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return next();
    parseJson(req, res, (err?: unknown) => (err ? next(err) : parseForm(req, res, next)));
  });
  for (const router of deps.routers) app.use(router);

  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `No route for ${req.method} ${req.path}` } });
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    answerError(err, { path: req.path, url: req.originalUrl }, res, deps);
  };
  app.use(onError);
  return app;
}

/**
 * The error edge, for Express and the hot lane alike: the public calling entry points answer 200 with
 * their documented JSON whatever went wrong; everything else its HTTP status and `{"error": …}`.
 */
export function answerError(err: unknown, request: { path: string; url: string }, res: ServerResponse, deps: Pick<AppDeps, 'logger' | 'serverId'>): void {
  const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : undefined;
  // Body parser errors (bad JSON, too large) are the client's fault, not ours.
  const error =
    err instanceof AppError
      ? err
      : status !== undefined && status >= 400 && status < 500
        ? new AppError('invalid_request', status === 413 ? 'The request body is too large.' : 'The request body could not be parsed.')
        : toAppError(err);
  if (error.code === 'internal_error') deps.logger.error({ err, url: redactUrl(request.url) }, 'unhandled error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (PUBLIC_CALL_PATHS.has(request.path) || /^\/v1\/clicktocall\/[^/]+\/connect$/.test(request.path)) {
    sendJson(res, 200, { response: { request_id: randomUUID(), status: 'fail', errors: [{ error: { code: error.code, message: error.message, url: '' } }], server_id: deps.serverId, state: '', status_url: '' } });
    return;
  }
  if (error.details?.retry_after !== undefined) res.setHeader('Retry-After', String(error.details.retry_after));
  sendJson(res, error.httpStatus, { error: { code: error.code, message: error.message } });
}

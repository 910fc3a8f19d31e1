import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import type { TrustProxy } from '../shared/config.js';
import { AppError, toAppError } from '../shared/errors.js';
import { standardHeaders } from './middleware/security-headers.js';
import { redactUrl } from './middleware/request-context.js';

/** The public calling entry points: whatever goes wrong, they answer 200 with the documented JSON. */
const PUBLIC_CALL_PATHS = new Set(['/v1/click2call', '/v1/clicktoagent', '/v1/clicktofindme']);

export interface AppDeps {
  logger: Logger;
  registry: Registry;
  /** Route groups in the order they are mounted (public API, status, admin, health). */
  routers: Router[];
  /** Proxies whose X-Forwarded-For sets `req.ip` (the per-address limit's key); never every peer. */
  trustProxy: TrustProxy;
  serverId: string;
}

const BODY_LIMIT = '16kb';

const FIXED_ROUTES = new Set(['/v1/click2call', '/healthz', '/readyz', '/metrics']);

/** The metrics label of a path: known routes only, so scanners cannot grow the label set without bound. */
export function routeLabel(path: string): string {
  if (FIXED_ROUTES.has(path)) return path;
  if (path.startsWith('/v1/status/')) return '/v1/status';
  if (path.startsWith('/admin/')) return '/admin';
  return 'other';
}

/** Builds the Express app; never listens (the composition root and tests do that). */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('etag', false);

  const duration = new Histogram({
    name: 'c2c_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 15],
    registers: [deps.registry],
  });
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      duration.observe({ route: routeLabel(req.path), status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
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
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : undefined;
    // Body parser errors (bad JSON, too large) are the client's fault, not ours.
    const error =
      err instanceof AppError
        ? err
        : status !== undefined && status >= 400 && status < 500
          ? new AppError('invalid_request', status === 413 ? 'The request body is too large.' : 'The request body could not be parsed.')
          : toAppError(err);
    if (error.code === 'internal_error') deps.logger.error({ err, url: redactUrl(req.originalUrl) }, 'unhandled error');
    if (PUBLIC_CALL_PATHS.has(req.path) || /^\/v1\/clicktocall\/[^/]+\/connect$/.test(req.path)) {
      // The public API answers 200 with its documented JSON, whatever went wrong.
      res.status(200).json({ response: { request_id: randomUUID(), status: 'fail', errors: [{ error: { code: error.code, message: error.message, url: '' } }], server_id: deps.serverId, state: '', status_url: '' } });
      return;
    }
    if (error.details?.retry_after !== undefined) res.setHeader('Retry-After', String(error.details.retry_after));
    res.status(error.httpStatus).json({ error: { code: error.code, message: error.message } });
  };
  app.use(onError);
  return app;
}

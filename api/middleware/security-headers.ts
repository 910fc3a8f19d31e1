import type { NextFunction, Request, Response } from 'express';
import type { ServerResponse } from 'node:http';

/** Headers every response carries: no sniffing, no framing, no caching of answers that name calls. */
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

/** What every answer of the public API tells a browser: any page may read it, and these headers. */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Retry-After',
};

/** What only a preflight's answer needs (browsers read these nowhere else): 180 bytes less on every other answer. */
const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, X-Api-Key, Authorization, Idempotency-Key, If-None-Match',
  'Access-Control-Max-Age': '600',
};

const SECURITY = Object.entries(SECURITY_HEADERS);
const CORS = Object.entries(CORS_HEADERS);
const PREFLIGHT = Object.entries(PREFLIGHT_HEADERS);

/** The public API under /v1 answers CORS; saved endpoints answer it per endpoint (their allowed_origins: api/routes/clicktocall-routes.ts). */
function isCorsPath(path: string): boolean {
  return (path === '/v1' || path.startsWith('/v1/')) && !path.startsWith('/v1/clicktocall/');
}

/** Sets the headers every response carries, and CORS on the public API: for Express and for the hot lane (api/hot-lane.ts) alike. */
export function setStandardHeaders(path: string, res: ServerResponse): void {
  for (const [name, value] of SECURITY) res.setHeader(name, value);
  if (isCorsPath(path)) for (const [name, value] of CORS) res.setHeader(name, value);
}

/**
 * The headers every response carries, and CORS for the public API under /v1: any page may call it
 * with fetch(); credentials are the API key, not cookies. Preflights end here with 204.
 */
export function standardHeaders(req: Request, res: Response, next: NextFunction): void {
  const path = req.path;
  setStandardHeaders(path, res);
  if (req.method === 'OPTIONS' && isCorsPath(path)) {
    for (const [name, value] of PREFLIGHT) res.setHeader(name, value);
    res.statusCode = 204;
    res.end();
    return;
  }
  next();
}

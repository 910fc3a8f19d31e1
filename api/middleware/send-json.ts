import type { ServerResponse } from 'node:http';

/**
 * Ends a response with a JSON body already serialised (or to serialise), skipping Express's generic
 * `res.send` (charset parsing, freshness checks, ETag hashing) on the hot paths; Node sets
 * Content-Length. HEAD requests get the headers without the body, as Node does for every response.
 */
export function sendJson(res: ServerResponse, status: number, body: string | object): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

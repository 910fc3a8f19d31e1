import type { ServerResponse } from 'node:http';
import { Histogram, type Registry } from 'prom-client';

const FIXED_ROUTES = new Set(['/v1/click2call', '/healthz', '/readyz', '/metrics']);

/** The metrics label of a path: known routes only, so scanners cannot grow the label set without bound. */
export function routeLabel(path: string): string {
  if (FIXED_ROUTES.has(path)) return path;
  if (path.startsWith('/v1/status/')) return '/v1/status';
  if (path.startsWith('/admin/')) return '/admin';
  return 'other';
}

/** One server's request durations by route and status, timed alike whether Express or the hot lane answers. */
export class HttpMetrics {
  private readonly duration: Histogram<'route' | 'status'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'c2c_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 15],
      registers: [registry],
    });
  }

  /** Times the response to a request for `path` from now until it is sent. */
  time(path: string, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      this.duration.observe({ route: routeLabel(path), status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
  }
}

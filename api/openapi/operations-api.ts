import { DOCS_ASSETS } from './docs-page.js';
import { jsonContent, type Json, type Paths } from './schema-tools.js';

const HEALTH: Json = { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' }, reason: { type: 'string' } } };

const operation = (tag: string, summary: string, responses: Record<string, Json>, extra: Json = {}): Json => ({ tags: [tag], summary, ...extra, responses });

/** Health, metrics and this description itself: routes of the public port that are not the call API. */
export function operationsPaths(): Paths {
  return {
    '/healthz': { get: operation('operations', 'Liveness', { '200': { description: 'The process is alive.', content: jsonContent(HEALTH) } }) },
    '/readyz': {
      get: operation('operations', 'Readiness: 503 while Redis is down or the process is shutting down', {
        '200': { description: 'Ready.', content: jsonContent(HEALTH) },
        '503': { description: 'Not ready; `reason` says why.', content: jsonContent(HEALTH) },
      }),
    },
    '/metrics': {
      get: operation('operations', 'Prometheus metrics (on the admin port with METRICS_ON_ADMIN_PORT=true)', { '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } }),
    },
    '/openapi.json': { get: operation('documentation', 'This description (OpenAPI 3.1)', { '200': { description: 'The description.', content: jsonContent({ type: 'object' }) } }) },
    '/docs': { get: operation('documentation', 'A browsable page of this description', { '200': { description: 'HTML.', content: { 'text/html': { schema: { type: 'string' } } } } }) },
    '/docs/{asset}': {
      get: operation('documentation', 'The scripts and stylesheet of the docs page, served by the relay', {
        '200': { description: 'The file.' },
        '404': { description: 'Not one of the page\'s files.' },
      }, { parameters: [{ name: 'asset', in: 'path', required: true, schema: { enum: Object.keys(DOCS_ASSETS) } }] }),
    },
  };
}

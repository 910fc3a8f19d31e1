import { schema as connectSchema } from '../clicktocall/connect-service.js';
import { ENDPOINT_SCHEMA } from '../../shared/endpoints/endpoint-settings.js';
import type { ErrorCode } from '../../shared/errors.js';
import { errorResponses } from './error-catalogue.js';
import { HISTORY_PARAMETERS, HISTORY_RESPONSE } from './admin-api.js';
import { fromAjv, jsonContent, ref, type Json, type Paths } from './schema-tools.js';

const ACCOUNT_ID: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const C2C_ID: Json = { name: 'c2cId', in: 'path', required: true, schema: { type: 'string' } };
const PUBLIC_ID: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The saved endpoint\'s id.' };

const data = (schema: Json): Json => ({ type: 'object', required: ['data'], properties: { data: schema } });

function adminOperation(summary: string, codes: ErrorCode[], responses: Record<string, Json>, extra: Json = {}): Json {
  return { tags: ['saved endpoints'], summary, security: [{ adminToken: [] }], ...extra, responses: { ...responses, ...errorResponses(['unauthorized', 'not_found', ...codes]) } };
}

/** A Kazoo-style body: the fields bare, or wrapped in `{"data": …}`. */
const endpointBody = (schema: Json): Json => ({ requestBody: { required: true, content: jsonContent({ anyOf: [schema, data(schema)] }) } });

export function clickToCallSchemas(): Record<string, Json> {
  return {
    Endpoint: fromAjv(ENDPOINT_SCHEMA, { description: 'A saved click-to-call endpoint (Kazoo\'s fields, plus `pbx`, `allowed_origins` and `blocking`).' }),
    ConnectFields: fromAjv(connectSchema, { description: 'What a visitor sends to a saved endpoint; the endpoint fixes everything else.' }),
  };
}

const CONNECT_PARAMETERS: Json[] = [
  PUBLIC_ID,
  ...Object.entries(connectSchema.properties).map(([name, schema]) => ({ name, in: 'query', required: (connectSchema.required as readonly string[]).includes(name), schema: fromAjv(schema) })),
  { name: 'token', in: 'query', schema: { type: 'string' }, description: 'A public endpoint without a key: the token of `/v1/clicktocall/{id}/token`, fetched by the widget.' },
];

const connect = (method: 'GET' | 'POST'): Json => ({
  tags: ['saved endpoints'],
  summary: 'Place the call between the saved extension and `contact`',
  description: 'The answer and the status document are those of /v1/click2call. `auth_required` endpoints need one of the account\'s keys; public ones accept browsers only from `allowed_origins`.',
  security: [{ apiKeyHeader: [] }, { apiKeyBearer: [] }, { apiKeyQuery: [] }, {}],
  parameters: method === 'GET' ? CONNECT_PARAMETERS : [PUBLIC_ID],
  ...(method === 'POST' ? { requestBody: { required: true, content: { 'application/json': { schema: ref('ConnectFields') }, 'application/x-www-form-urlencoded': { schema: ref('ConnectFields') } } } } : {}),
  responses: { '200': { description: 'Always HTTP 200 with the `response` envelope.', content: jsonContent(ref('Click2CallResponse')) } },
});

const preflight: Json = { tags: ['saved endpoints'], summary: 'CORS preflight: allowed only from the endpoint\'s `allowed_origins`', parameters: [PUBLIC_ID], responses: { '204': { description: 'The CORS headers, for an allowed origin.' } } };

/** SPEC §10: api/routes/endpoint-admin-routes.ts and api/routes/clicktocall-routes.ts. */
export function clickToCallPaths(): Paths {
  const base = '/admin/v1/accounts/{id}/clicktocall';
  const one = `${base}/{c2cId}`;
  const shown = data(ref('Endpoint'));
  return {
    [base]: {
      put: adminOperation('Create a saved endpoint', ['invalid_request'], { '201': { description: 'The endpoint.', content: jsonContent(shown) } }, { parameters: [ACCOUNT_ID], ...endpointBody(ref('Endpoint')) }),
      get: adminOperation('List the account\'s saved endpoints', [], { '200': { description: 'The endpoints.', content: jsonContent(data({ type: 'array', items: ref('Endpoint') })) } }, { parameters: [ACCOUNT_ID] }),
    },
    [one]: {
      get: adminOperation('Read a saved endpoint', [], { '200': { description: 'The endpoint.', content: jsonContent(shown) } }, { parameters: [ACCOUNT_ID, C2C_ID] }),
      post: adminOperation('Replace a saved endpoint', ['invalid_request'], { '200': { description: 'The endpoint.', content: jsonContent(shown) } }, { parameters: [ACCOUNT_ID, C2C_ID], ...endpointBody(ref('Endpoint')) }),
      patch: adminOperation('Merge fields into a saved endpoint (`null` removes one)', ['invalid_request'], { '200': { description: 'The endpoint.', content: jsonContent(shown) } }, { parameters: [ACCOUNT_ID, C2C_ID], ...endpointBody({ type: 'object' }) }),
      delete: adminOperation('Remove a saved endpoint', [], { '204': { description: 'Removed.' } }, { parameters: [ACCOUNT_ID, C2C_ID] }),
    },
    [`${one}/history`]: {
      get: adminOperation('The endpoint\'s requests, as the account history', ['invalid_request'], { '200': HISTORY_RESPONSE }, { parameters: [...HISTORY_PARAMETERS, C2C_ID] }),
    },
    '/v1/clicktocall/{id}/connect': {
      get: connect('GET'),
      post: connect('POST'),
      head: { tags: ['saved endpoints'], summary: 'Never connects: the answer of a link preview', parameters: [PUBLIC_ID], responses: { '200': { description: 'The headers of `invalid_request` "not dialed: link preview".' } } },
      options: preflight,
    },
    '/v1/clicktocall/{id}/token': {
      get: { tags: ['saved endpoints'], summary: 'A short-lived connect token for the widget of a public endpoint', parameters: [PUBLIC_ID], responses: { '200': { description: 'The token.', content: jsonContent({ type: 'object', required: ['token', 'expires_in'], properties: { token: { type: 'string' }, expires_in: { type: 'integer' } } }) } } },
      options: preflight,
    },
    '/v1/clicktocall/{id}/widget.js': {
      get: { tags: ['saved endpoints'], summary: 'The script a web page embeds to show a "call me" form for a public endpoint', parameters: [PUBLIC_ID], responses: { '200': { description: 'JavaScript.', content: { 'application/javascript': { schema: { type: 'string' } } } }, '404': { description: 'No public endpoint with this id.' } } },
    },
  };
}

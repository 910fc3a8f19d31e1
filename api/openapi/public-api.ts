import { schema as click2callSchema } from '../click2call/parse-request.js';
import { MAX_LONG_POLL_SECONDS, REQUEST_ID_PATTERN } from '../routes/status-routes.js';
import { CALL_OPTION_DESCRIPTIONS, callBodySchema, callOperations, queryParameters } from './call-entry-point.js';
import { errorResponses } from './error-catalogue.js';
import { fromAjv, jsonContent, ref, type Json, type Paths } from './schema-tools.js';

type Click2CallField = keyof typeof click2callSchema.properties;

/**
 * What each field of the click2call schema means. The schema says what is valid; this says why one
 * would send it. openapi.test.ts fails when a field of the schema has no description here.
 */
export const FIELD_DESCRIPTIONS: Partial<Record<Click2CallField, string>> = {
  dial_first: 'First number dialed; normally the user\'s own extension. Also the default `dial_as`. Spaces, `-`, `.`, `(` and `)` are removed before the pattern is checked.',
  dial_second: 'Dialed once the first answers; normally the destination. Formatting characters are removed as for `dial_first`.',
  dial_as: 'Extension the call is placed as (caller ID, outbound route, permissions). Default: `dial_first`. The misspelling `dail_as` is accepted too.',
  pbx: 'Which of the account\'s PBX connections to use. Default: the account policy\'s `default_pbx`, else `asterisk`.',
  ...CALL_OPTION_DESCRIPTIONS,
};

const DAIL_AS: Json = { name: 'dail_as', in: 'query', deprecated: true, description: 'Alias of `dial_as` (a common misspelling).', schema: fromAjv(click2callSchema.properties.dial_as) };

/** The POST body: the validated fields, plus the key and the `dail_as` alias, which are read outside the schema. */
export function click2callBodySchema(): Json {
  return callBodySchema('Click2CallFields', { dail_as: fromAjv(click2callSchema.properties.dial_as, { deprecated: true }) });
}

const STATUS_OPERATION: Json = {
  tags: ['status'],
  operationId: 'getStatus',
  summary: 'The status document of a request (the status_url)',
  description: [
    'With the `token` of the status URL, or the owning account\'s key in `X-Api-Key`/`Authorization: Bearer`. Another account\'s key, a wrong token and an unknown or expired id all give the same 404.',
    '',
    `Polling is cheap: send the \`ETag\` back as \`If-None-Match\` for a 304; add \`wait=N\` (≤ ${MAX_LONG_POLL_SECONDS}) with it to long-poll until the document changes.`,
    'A browser (`Accept: text/html`) gets a readable page that updates itself through the same long-poll.',
  ].join('\n'),
  security: [{ statusToken: [] }, { apiKeyHeader: [] }, { apiKeyBearer: [] }],
  parameters: [
    { name: 'request_id', in: 'path', required: true, schema: { type: 'string', pattern: REQUEST_ID_PATTERN } },
    { name: 'wait', in: 'query', description: `With \`If-None-Match\`: seconds to hold the answer until the document changes (at most ${MAX_LONG_POLL_SECONDS}); unchanged by then, 304.`, schema: { type: 'integer', minimum: 0, maximum: MAX_LONG_POLL_SECONDS } },
    { name: 'If-None-Match', in: 'header', description: 'The `ETag` of the document last read.', schema: { type: 'string' } },
  ],
  responses: {
    '200': {
      description: 'The document, or for a browser the page of its timeline.',
      headers: { ETag: { description: 'The document version; send it back as `If-None-Match`.', schema: { type: 'string' } } },
      content: { ...jsonContent(ref('StatusDocument')), 'text/html': { schema: { type: 'string' } } },
    },
    '304': { description: 'Unchanged since the `If-None-Match` ETag (after up to `wait` seconds).' },
    ...errorResponses(['not_found']),
  },
};

/** SPEC §2 and §3: the public API. */
export function publicPaths(): Paths {
  return {
    '/v1/click2call': callOperations({
      operationId: 'click2call',
      summary: 'Place a click-to-call call: ring dial_first, then connect dial_second',
      about: [],
      parameters: [...queryParameters(click2callSchema, FIELD_DESCRIPTIONS), DAIL_AS],
      body: 'Click2CallBody',
    }),
    '/v1/status/{request_id}': { get: STATUS_OPERATION },
  };
}

import { schema as click2callSchema } from '../click2call/parse-request.js';
import { CALL_OPTION_PROPERTIES } from '../call-options/call-options.js';
import { LINK_PREVIEW_MESSAGE } from '../routes/click2call-routes.js';
import { MAX_LONG_POLL_SECONDS, REQUEST_ID_PATTERN } from '../routes/status-routes.js';
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
  timeout: 'Seconds to ring each leg, 1–120. Default 30.',
  wait: 'Seconds the answer may wait for the PBX verdict, 0–130. Default 10; for Switchvox `timeout` + 10. `0` answers at once with state `queued`. Past the bound a call that has not reached the PBX is cancelled (`fail`, `pbx_timeout`); one already with the PBX is `success` with state `dispatching`.',
  wait_for: 'What the answer waits for: `verdict` (the PBX accepted or refused the call request, default), `answered` (leg 1 answered, or its failure), `connected` (both legs up, or the failure). Still bounded by `wait`.',
  first_callerid: 'Caller-ID number shown on leg 1: one of the two numbers dialed or in the policy\'s `caller_ids`, else `caller_id_not_allowed`. `unsupported_option` on a PBX that cannot set it.',
  second_callerid: 'Caller-ID number shown on leg 2; as `first_callerid`.',
  page: 'Free text (the page the click came from): stored, listed and exported with the request; handed to the PBX (`C2C_PAGE`, `{page}`).',
  ref: 'The integrator\'s reference: stored, filterable in the history; handed to the PBX (`C2C_REF`, `{ref}`).',
  record: '`1`: record the call, where the PBX can (else `unsupported_option`).',
  warning: 'With `record=1`: the recording warning played before the parties are connected. 0 none, 1 both parties (default), 2 first leg only, 3 second leg only.',
  idempotency_key: 'Or the `Idempotency-Key` header: a repeat within 24 h returns the original answer instead of dialing again.',
  status_callback: 'A URL each state change of this request is POSTed to, signed (see `webhooks`). Its host must be one of the account\'s `callback_hosts`, else `invalid_request`.',
};

const API_KEY_PARAMETER: Json = {
  name: 'api_key',
  in: 'query',
  description: 'The account\'s key. Better sent as `X-Api-Key` or `Authorization: Bearer` (keeps it out of URLs and logs). Missing, unknown or revoked: `invalid_api_key`, nothing stored.',
  schema: { type: 'string' },
};

function queryParameters(): Json[] {
  const required = new Set<string>(click2callSchema.required);
  const fields = Object.entries(click2callSchema.properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    description: FIELD_DESCRIPTIONS[name as Click2CallField] ?? '',
    schema: fromAjv(schema),
  }));
  const alias = { name: 'dail_as', in: 'query', deprecated: true, description: 'Alias of `dial_as` (a common misspelling).', schema: fromAjv(click2callSchema.properties.dial_as) };
  return [API_KEY_PARAMETER, ...fields, alias];
}

const IDEMPOTENCY_HEADER: Json = { name: 'Idempotency-Key', in: 'header', description: FIELD_DESCRIPTIONS.idempotency_key, schema: fromAjv(CALL_OPTION_PROPERTIES.idempotency_key) };

const CLICK2CALL_ANSWER: Json = {
  description: 'Always HTTP 200 with the `response` envelope, whatever happened (for any request that is valid HTTP).',
  headers: {
    'Retry-After': { description: 'With `rate_limited`: seconds until a retry may succeed.', schema: { type: 'integer' } },
    'Cache-Control': { schema: { const: 'no-store' } },
  },
  content: jsonContent(ref('Click2CallResponse')),
};

const LINK_PREVIEWS = `**Link previews never ring phones.** \`HEAD\`; requests marked \`Purpose: prefetch\`, \`Sec-Purpose: prefetch…\`, \`X-Moz: prefetch\` or \`X-Purpose: preview\`; and GETs from the user agents of link unfurlers, crawlers and headless browsers (isbot's list, less the patterns that match command-line and library HTTP clients) get \`invalid_request\` "${LINK_PREVIEW_MESSAGE}", with no status URL, and nothing is stored. curl, HTTP libraries and people's browsers are not link previews.`;

const CLICK2CALL_SECURITY = [{ apiKeyHeader: [] }, { apiKeyBearer: [] }, { apiKeyQuery: [] }];

const click2callOperation = (method: 'GET' | 'POST'): Json => ({
  tags: ['click-to-call'],
  operationId: method === 'GET' ? 'click2callGet' : 'click2callPost',
  summary: 'Place a click-to-call call: ring dial_first, then connect dial_second',
  description: [
    method === 'GET' ? 'Works from curl, server code, `fetch()` in a browser (CORS is open), and as a URL pasted into an address bar.' : 'The same fields as the GET query, as JSON or as a form; body fields win over query fields. JSON numbers are taken as their text.',
    'Unknown parameters are ignored. Every number is validated before anything is queued.',
    '',
    LINK_PREVIEWS,
  ].join('\n'),
  security: CLICK2CALL_SECURITY,
  parameters: method === 'GET' ? [...queryParameters(), IDEMPOTENCY_HEADER] : [IDEMPOTENCY_HEADER],
  ...(method === 'POST'
    ? {
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('Click2CallBody') },
            'application/x-www-form-urlencoded': { schema: ref('Click2CallBody') },
          },
        },
      }
    : {}),
  responses: { '200': CLICK2CALL_ANSWER },
});

/** The POST body: the validated fields, plus the key and the `dail_as` alias, which are read outside the schema. */
export function click2callBodySchema(): Json {
  return {
    allOf: [ref('Click2CallFields')],
    properties: { api_key: API_KEY_PARAMETER.schema, dail_as: fromAjv(click2callSchema.properties.dial_as, { deprecated: true }) },
  };
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
    '/v1/click2call': {
      get: click2callOperation('GET'),
      post: click2callOperation('POST'),
      head: {
        tags: ['click-to-call'],
        operationId: 'click2callHead',
        summary: 'Never dials: the answer of a link preview',
        description: LINK_PREVIEWS,
        responses: { '200': { description: `The headers of \`invalid_request\` "${LINK_PREVIEW_MESSAGE}".` } },
      },
    },
    '/v1/status/{request_id}': { get: STATUS_OPERATION },
  };
}

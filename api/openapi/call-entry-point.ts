import { CALL_OPTION_PROPERTIES } from '../call-options/call-options.js';
import { LINK_PREVIEW_MESSAGE } from '../routes/click2call-routes.js';
import { fromAjv, jsonContent, ref, type Json } from './schema-tools.js';

/**
 * What every public calling entry point shares in the description (SPEC §2, §8, §9): they are one
 * route factory (api/routes/click2call-routes.ts `callRoutes`), so they take the key the same way,
 * give the same answer and refuse link previews alike. Only their fields differ.
 */

export type CallOptionField = keyof typeof CALL_OPTION_PROPERTIES;

/** The call options (SPEC §8) as they read on /v1/click2call; an entry point overrides what means something else there. */
export const CALL_OPTION_DESCRIPTIONS: Record<CallOptionField, string> = {
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

/** A validating ajv schema: its named fields, some of them required. */
export interface FieldsSchema {
  properties: Record<string, object>;
  required: readonly string[];
}

export const API_KEY_PARAMETER: Json = {
  name: 'api_key',
  in: 'query',
  description: 'The account\'s key. Better sent as `X-Api-Key` or `Authorization: Bearer` (keeps it out of URLs and logs). Missing, unknown or revoked: `invalid_api_key`, nothing stored.',
  schema: { type: 'string' },
};

/** The schema's fields as GET query parameters, each with the validator's own schema and its description. */
export function queryParameters(schema: FieldsSchema, descriptions: Partial<Record<string, string>>): Json[] {
  const required = new Set(schema.required);
  return Object.entries(schema.properties).map(([name, field]) => ({
    name,
    in: 'query',
    required: required.has(name),
    description: descriptions[name] ?? '',
    schema: fromAjv(field),
  }));
}

/** The POST body: the validated fields (a component), plus the key, which is read outside the schema. */
export function callBodySchema(fieldsComponent: string, more: Json = {}): Json {
  return { allOf: [ref(fieldsComponent)], properties: { api_key: API_KEY_PARAMETER.schema, ...more } };
}

const IDEMPOTENCY_HEADER: Json = { name: 'Idempotency-Key', in: 'header', description: CALL_OPTION_DESCRIPTIONS.idempotency_key, schema: fromAjv(CALL_OPTION_PROPERTIES.idempotency_key) };

const CALL_ANSWER: Json = {
  description: 'Always HTTP 200 with the `response` envelope, whatever happened (for any request that is valid HTTP).',
  headers: {
    'Retry-After': { description: 'With `rate_limited`: seconds until a retry may succeed.', schema: { type: 'integer' } },
    'Cache-Control': { schema: { const: 'no-store' } },
  },
  content: jsonContent(ref('Click2CallResponse')),
};

const LINK_PREVIEWS = `**Link previews never ring phones.** \`HEAD\`; requests marked \`Purpose: prefetch\`, \`Sec-Purpose: prefetch…\`, \`X-Moz: prefetch\` or \`X-Purpose: preview\`; and GETs from the user agents of link unfurlers, crawlers and headless browsers (isbot's list, less the patterns that match command-line and library HTTP clients) get \`invalid_request\` "${LINK_PREVIEW_MESSAGE}", with no status URL, and nothing is stored. curl, HTTP libraries and people's browsers are not link previews.`;

const CALL_SECURITY = [{ apiKeyHeader: [] }, { apiKeyBearer: [] }, { apiKeyQuery: [] }];

export interface CallEntryPoint {
  /** The stem of the operation ids (`click2call` → `click2callGet`, `click2callPost`, `click2callHead`). */
  operationId: string;
  summary: string;
  /** Paragraphs on what this entry point does, before what every entry point shares. */
  about: string[];
  /** The GET query parameters besides `api_key`. */
  parameters: Json[];
  /** The component of the POST body. */
  body: string;
}

function callOperation(entry: CallEntryPoint, method: 'GET' | 'POST'): Json {
  const body = { schema: ref(entry.body) };
  return {
    tags: ['click-to-call'],
    operationId: `${entry.operationId}${method === 'GET' ? 'Get' : 'Post'}`,
    summary: entry.summary,
    description: [
      ...entry.about,
      method === 'GET' ? 'Works from curl, server code, `fetch()` in a browser (CORS is open), and as a URL pasted into an address bar.' : 'The same fields as the GET query, as JSON or as a form; body fields win over query fields. JSON numbers are taken as their text.',
      'Unknown parameters are ignored. Every number is validated before anything is queued.',
      '',
      LINK_PREVIEWS,
    ].join('\n'),
    security: CALL_SECURITY,
    parameters: method === 'GET' ? [API_KEY_PARAMETER, ...entry.parameters, IDEMPOTENCY_HEADER] : [IDEMPOTENCY_HEADER],
    ...(method === 'POST' ? { requestBody: { required: true, content: { 'application/json': body, 'application/x-www-form-urlencoded': body } } } : {}),
    responses: { '200': CALL_ANSWER },
  };
}

/** GET, POST and HEAD of one entry point, as `callRoutes` mounts them. */
export function callOperations(entry: CallEntryPoint): Record<string, Json> {
  return {
    get: callOperation(entry, 'GET'),
    post: callOperation(entry, 'POST'),
    head: {
      tags: ['click-to-call'],
      operationId: `${entry.operationId}Head`,
      summary: 'Never dials: the answer of a link preview',
      description: LINK_PREVIEWS,
      responses: { '200': { description: `The headers of \`invalid_request\` "${LINK_PREVIEW_MESSAGE}".` } },
    },
  };
}

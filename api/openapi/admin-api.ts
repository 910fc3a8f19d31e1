import { PBX_KINDS, schemas as pbxSettingsSchemas } from '../../shared/accounts/pbx-settings.js';
import { policySchema } from '../../shared/accounts/policy.js';
import type { ErrorCode } from '../../shared/errors.js';
import { CALL_STATES } from '../../shared/status/status-document.js';
import { CONTENT_TYPES, EXPORT_FORMATS } from '../history/export-format.js';
import { HISTORY_COLUMNS } from '../history/request-history.js';
import { errorResponses } from './error-catalogue.js';
import { fromAjv, jsonContent, ref, type Json, type Paths } from './schema-tools.js';

const ACCOUNT_ID: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The account id (`acct_…`).' };
const PBX_KIND: Json = { name: 'kind', in: 'path', required: true, schema: { enum: PBX_KINDS } };

const SERVED_ON = 'Enabled only when `ADMIN_TOKEN` is set; served on `ADMIN_PORT` instead of the public port when that is set.';

export function operation(summary: string, codes: ErrorCode[], responses: Record<string, Json>, extra: Json = {}): Json {
  return {
    tags: ['admin'],
    summary,
    description: `${summary}. ${SERVED_ON}`,
    security: [{ adminToken: [] }],
    ...extra,
    responses: { ...responses, ...errorResponses(['unauthorized', ...codes]) },
  };
}

const body = (schema: Json): Json => ({ requestBody: { required: true, content: jsonContent(schema) } });
const ok = (description: string, schema: Json): Json => ({ description, content: jsonContent(schema) });

/** The account as the admin API shows it; fields the relay keeps for itself may come along. */
export const ACCOUNT: Json = {
  type: 'object',
  required: ['id', 'name', 'created_at', 'policy', 'pbx_kinds', 'version'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    policy: ref('Policy'),
    pbx_kinds: { type: 'array', items: { enum: PBX_KINDS } },
    version: { type: 'integer' },
  },
};

export const API_KEY_INFO: Json = {
  type: 'object',
  required: ['id', 'label', 'hint', 'created_at'],
  properties: {
    id: { type: 'string' },
    label: { type: 'string' },
    hint: { type: 'string', description: 'The first characters of the key: enough to recognise it, never to use it.' },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: 'string', format: 'date-time' },
  },
};

/** A history row (SPEC §8's columns, in their order). */
export const HISTORY_ROW: Json = {
  type: 'object',
  required: [...HISTORY_COLUMNS],
  properties: Object.fromEntries(HISTORY_COLUMNS.map((column) => [column, column === 'duration' ? { anyOf: [{ type: 'integer' }, { const: '' }], description: 'Seconds both legs were connected; empty if they never were.' } : column === 'state' ? ref('CallState') : { type: 'string' }])),
};

/** The policy and the three connection schemas, straight from the validators. */
export function adminSchemas(): Record<string, Json> {
  return {
    Policy: fromAjv(policySchema, { description: 'The destination policy and limits. A PUT may carry any of these fields; the rest are kept.' }),
    AsteriskSettings: fromAjv(pbxSettingsSchemas.asterisk, { title: 'asterisk' }),
    SwitchvoxSettings: fromAjv(pbxSettingsSchemas.switchvox, { title: 'switchvox' }),
    OtherSettings: fromAjv(pbxSettingsSchemas.other, { title: 'other' }),
    Account: ACCOUNT,
    ApiKeyInfo: API_KEY_INFO,
    HistoryRow: HISTORY_ROW,
  };
}

/**
 * Query parameters of the history. They are checked by hand in api/history/history-route.ts, not
 * by an ajv schema, so this list follows that code; the enums come from the code's own constants.
 */
export const HISTORY_PARAMETERS: Json[] = [
  ACCOUNT_ID,
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, description: 'Rows of a JSON page.' },
  { name: 'before', in: 'query', schema: { type: 'integer' }, description: 'The `next_before` of the previous page (Unix ms).' },
  { name: 'ref', in: 'query', schema: { type: 'string', maxLength: 32 }, description: 'Only requests with this `ref` (exact).' },
  { name: 'state', in: 'query', schema: { enum: CALL_STATES }, description: 'Only requests in this state.' },
  { name: 'since', in: 'query', schema: { type: 'string' }, description: 'Unix seconds or an ISO 8601 date-time; inclusive.' },
  { name: 'until', in: 'query', schema: { type: 'string' }, description: 'Unix seconds or an ISO 8601 date-time; inclusive.' },
  { name: 'format', in: 'query', schema: { enum: EXPORT_FORMATS }, description: 'Stream the whole filtered window instead of one page.' },
];

/** A JSON page of history, or with `format` the whole window as a stream. */
export const HISTORY_RESPONSE: Json = {
  description: 'A page, or with `format` a stream.',
  content: {
    ...jsonContent({ type: 'object', required: ['requests', 'next_before'], properties: { requests: { type: 'array', items: ref('HistoryRow') }, next_before: { type: ['integer', 'null'] } } }),
    ...Object.fromEntries(EXPORT_FORMATS.map((format) => [CONTENT_TYPES[format].split(';')[0] as string, { schema: { type: 'string' } }])),
  },
};

const PBX_SETTINGS_BODY: Json = {
  description: 'The settings schema of the `kind` in the path.',
  anyOf: [ref('AsteriskSettings'), ref('SwitchvoxSettings'), ref('OtherSettings')],
};

/** SPEC §4 and §8: everything under /admin/v1 that api/routes/admin-routes.ts mounts. */
export function adminPaths(): Paths {
  return {
    '/admin/v1/accounts': {
      post: operation('Create an account', ['invalid_request'], { '201': ok('The new account, with the safe default policy.', { type: 'object', required: ['account'], properties: { account: ref('Account') } }) }, body({ type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } })),
    },
    '/admin/v1/accounts/{id}': {
      get: operation('Read an account with its PBX connections (secrets masked) and keys (never their secret)', ['not_found'], {
        '200': ok('The account.', {
          type: 'object',
          required: ['account'],
          properties: {
            account: {
              allOf: [ref('Account')],
              properties: {
                pbx: { type: 'object', propertyNames: { enum: PBX_KINDS }, additionalProperties: { type: 'object', properties: { settings: { type: 'object' }, updated_at: { type: 'string', format: 'date-time' } } } },
                keys: { type: 'array', items: ref('ApiKeyInfo') },
              },
            },
          },
        }),
      }, { parameters: [ACCOUNT_ID] }),
    },
    '/admin/v1/accounts/{id}/keys': {
      post: operation('Create an API key; `api_key` is shown only in this answer', ['not_found'], {
        '201': ok('The key.', { type: 'object', required: ['key'], properties: { key: { allOf: [ref('ApiKeyInfo')], required: ['api_key'], properties: { api_key: { type: 'string', pattern: '^c2c_live_' } } } } }),
      }, { parameters: [ACCOUNT_ID], requestBody: { required: false, content: jsonContent({ type: 'object', properties: { label: { type: 'string', description: 'Kept to its first 200 characters.' } } }) } }),
      get: operation('List the account\'s keys', ['not_found'], { '200': ok('The keys.', { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: ref('ApiKeyInfo') } } }) }, { parameters: [ACCOUNT_ID] }),
    },
    '/admin/v1/accounts/{id}/keys/{keyId}': {
      delete: operation('Revoke a key: it stops working within 1 s on every instance', ['not_found'], { '204': { description: 'Revoked.' } }, { parameters: [ACCOUNT_ID, { name: 'keyId', in: 'path', required: true, schema: { type: 'string' } }] }),
    },
    '/admin/v1/accounts/{id}/pbx/{kind}': {
      put: operation('Set a PBX connection', ['invalid_request', 'not_found'], {
        '200': ok('The settings with secrets masked.', { type: 'object', required: ['pbx', 'settings'], properties: { pbx: { enum: PBX_KINDS }, settings: { type: 'object' } } }),
      }, { parameters: [ACCOUNT_ID, PBX_KIND], ...body(PBX_SETTINGS_BODY) }),
    },
    '/admin/v1/accounts/{id}/pbx/{kind}/test': {
      post: operation('A worker connects and authenticates to the PBX without placing a call', ['not_found', 'pbx_not_configured'], {
        '200': ok('The outcome.', { type: 'object', required: ['ok', 'detail'], properties: { ok: { type: 'boolean' }, detail: { type: 'string' } } }),
      }, { parameters: [ACCOUNT_ID, PBX_KIND] }),
    },
    '/admin/v1/accounts/{id}/policy': {
      put: operation('Change the destination policy and limits', ['invalid_request', 'not_found'], { '200': ok('The whole policy now in force.', { type: 'object', required: ['policy'], properties: { policy: ref('Policy') } }) }, { parameters: [ACCOUNT_ID], ...body(ref('Policy')) }),
    },
    '/admin/v1/accounts/{id}/requests': {
      get: operation('The account\'s requests, newest first: a JSON page, or the whole filtered window as CSV or NDJSON', ['invalid_request', 'not_found'], { '200': HISTORY_RESPONSE }, { parameters: HISTORY_PARAMETERS }),
    },
  };
}

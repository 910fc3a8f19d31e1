import { smsGatewaySchema } from '../../shared/accounts/sms-gateway-settings.js';
import type { ErrorCode } from '../../shared/errors.js';
import { errorResponses } from './error-catalogue.js';
import { fromAjv, jsonContent, ref, type Json, type Paths } from './schema-tools.js';

const ACCOUNT_ID: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The account id (`acct_…`).' };

function operation(summary: string, codes: ErrorCode[], responses: Record<string, Json>, extra: Json = {}): Json {
  return {
    tags: ['admin'],
    summary,
    description: `${summary}. Enabled only when \`ADMIN_TOKEN\` is set; served on \`ADMIN_PORT\` instead of the public port when that is set.`,
    security: [{ adminToken: [] }],
    parameters: [ACCOUNT_ID],
    ...extra,
    responses: { ...responses, ...errorResponses(['unauthorized', 'not_found', ...codes]) },
  };
}

const GATEWAY_VIEW: Json = {
  type: 'object',
  required: ['sms_gateway'],
  properties: {
    sms_gateway: {
      type: 'object',
      required: ['settings', 'updated_at'],
      properties: { settings: { type: 'object', description: 'The settings as set, with `secrets` and `auth` credentials REDACTED.' }, updated_at: { type: 'string', format: 'date-time' } },
    },
  },
};

export function smsGatewaySchemas(): Record<string, Json> {
  return {
    SmsGatewaySettings: fromAjv(smsGatewaySchema, {
      title: 'SMS gateway',
      description:
        'One templated HTTP request per no-answer SMS, like an `other` PBX connection: placeholders `{to}`, `{from}`, `{text}`, `{request_id}` (escaped for where they stand) and `{secret:NAME}` slots for values of `secrets`. The url, body or headers must use `{to}` and `{text}`.',
    }),
  };
}

/** SPEC §9: the routes of api/routes/sms-gateway-routes.ts. */
export function smsGatewayPaths(): Paths {
  return {
    '/admin/v1/accounts/{id}/sms-gateway': {
      put: operation('Set the account\'s SMS gateway for no_answer_sms', ['invalid_request'], { '200': { description: 'The gateway, secrets masked.', content: jsonContent(GATEWAY_VIEW) } }, {
        requestBody: { required: true, content: jsonContent(ref('SmsGatewaySettings')) },
      }),
      get: operation('The account\'s SMS gateway, secrets masked', [], { '200': { description: 'The gateway.', content: jsonContent(GATEWAY_VIEW) } }),
      delete: operation('Remove the account\'s SMS gateway: no_answer_sms is refused from then on', [], { '204': { description: 'Removed.' } }),
    },
  };
}

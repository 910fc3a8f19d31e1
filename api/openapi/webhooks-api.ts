import type { ErrorCode } from '../../shared/errors.js';
import { SUBSCRIBABLE_EVENTS } from '../../shared/webhooks/webhook-event.js';
import { CALLBACK_HOSTS_SCHEMA, SUBSCRIPTIONS_SCHEMA } from '../../shared/webhooks/webhook-settings.js';
import { errorResponses } from './error-catalogue.js';
import { fromAjv, jsonContent, ref, type Json, type Paths } from './schema-tools.js';

const ACCOUNT_ID: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

function operation(summary: string, codes: ErrorCode[], responses: Record<string, Json>, extra: Json = {}): Json {
  return { tags: ['webhooks'], summary, security: [{ adminToken: [] }], parameters: [ACCOUNT_ID], ...extra, responses: { ...responses, ...errorResponses(['unauthorized', 'not_found', ...codes]) } };
}

const ok = (description: string, schema: Json = { type: 'object' }): Json => ({ description, content: jsonContent(schema) });
const body = (schema: Json): Json => ({ requestBody: { required: true, content: jsonContent(schema) } });

export function webhookSchemas(): Record<string, Json> {
  return {
    WebhookSubscriptions: fromAjv(SUBSCRIPTIONS_SCHEMA, { description: 'The whole list of the account\'s subscriptions; a `secret` left out is generated and shown once.' }),
    CallbackHosts: fromAjv(CALLBACK_HOSTS_SCHEMA, { description: 'The hosts a request\'s `status_callback` may point at, and the secret its events are signed with.' }),
    WebhookEvent: {
      type: 'object',
      required: ['id', 'type', 'request_id', 'state', 'event', 'utc.time'],
      properties: {
        id: { type: 'string', description: 'Stable across retries and re-sends (also `C2C-Webhook-Id`): de-duplicate on it.' },
        type: { const: 'call.state_changed' },
        request_id: { type: 'string', format: 'uuid' },
        state: ref('CallState'),
        event: { type: 'object', description: 'The status document\'s `events` entry of this change.' },
        'utc.time': { type: 'string', pattern: '^[0-9]+$' },
      },
    },
  };
}

/** SPEC §11: the admin routes of api/routes/webhook-routes.ts. */
export function webhookPaths(): Paths {
  const account = '/admin/v1/accounts/{id}';
  return {
    [`${account}/webhooks`]: {
      put: operation('Replace the account\'s webhook subscriptions', ['invalid_request'], { '200': ok('The subscriptions; a generated secret is shown only here.') }, body(ref('WebhookSubscriptions'))),
      get: operation('The account\'s subscriptions (secrets masked) and callback hosts', [], { '200': ok('The configuration.') }),
    },
    [`${account}/webhooks/callback-hosts`]: {
      put: operation('Set the hosts a request\'s status_callback may point at', ['invalid_request'], { '200': ok('The callback hosts.') }, body(ref('CallbackHosts'))),
    },
    [`${account}/webhooks/deliveries`]: {
      get: operation('Recent deliveries, newest first, with their HTTP outcome', [], { '200': ok('The deliveries.', { type: 'object', required: ['deliveries'], properties: { deliveries: { type: 'array', items: { type: 'object' } } } }) }, {
        parameters: [ACCOUNT_ID, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }],
      }),
    },
    [`${account}/webhooks/deliveries/{deliveryId}/resend`]: {
      post: operation('Send a delivery again: a new delivery of the same event, with the same C2C-Webhook-Id', ['conflict'], { '202': ok('The new delivery.') }, {
        parameters: [ACCOUNT_ID, { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string' } }],
      }),
    },
  };
}

/** What the relay POSTs to subscribers and status_callback URLs (OpenAPI 3.1 `webhooks`). */
export function outgoingWebhooks(): Record<string, Json> {
  return {
    [`call.${SUBSCRIBABLE_EVENTS[0]}`]: {
      post: {
        summary: 'A status document changed state',
        description: 'One POST per state change, delivered at least once with exponential backoff for 24 h. Verify `C2C-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` and refuse stale timestamps; de-duplicate on `C2C-Webhook-Id`.',
        parameters: [
          { name: 'C2C-Signature', in: 'header', required: true, schema: { type: 'string', pattern: '^t=[0-9]+,v1=[0-9a-f]{64}$' } },
          { name: 'C2C-Webhook-Id', in: 'header', required: true, schema: { type: 'string' } },
        ],
        requestBody: { required: true, content: jsonContent(ref('WebhookEvent')) },
        responses: { '200': { description: 'Any 2xx acknowledges the delivery; anything else (or no answer in time) is retried.' } },
      },
    },
  };
}

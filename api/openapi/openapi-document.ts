import { schema as click2callSchema } from '../click2call/parse-request.js';
import { adminPaths, adminSchemas } from './admin-api.js';
import { CALL_STATE, CLICK2CALL_RESPONSE, STATUS_DOCUMENT } from './call-schemas.js';
import { errorCodeSchema, HTTP_ERROR_SCHEMA } from './error-catalogue.js';
import { operationsPaths } from './operations-api.js';
import { click2callBodySchema, publicPaths } from './public-api.js';
import { fromAjv, type Json } from './schema-tools.js';
import { outgoingWebhooks, webhookPaths, webhookSchemas } from './webhooks-api.js';
import { clickToCallPaths, clickToCallSchemas } from './clicktocall-api.js';
import { smsGatewayPaths, smsGatewaySchemas } from './sms-gateway-api.js';
import { agentResourcePaths, agentResourceSchemas } from './agent-resources-api.js';
import { dialogTechPaths, dialogTechSchemas, dialogTechWebhooks } from './dialogtech-api.js';

const DESCRIPTION = `A relay between a public Click-2-Call HTTP API and customers' own phone systems (Asterisk/FreePBX over AMI, Switchvox, or any HTTP-driven PBX).

The request schemas here are the ones the relay validates with, exported from its code; the error codes are its catalogue.`;

/**
 * The OpenAPI 3.1 description of every route the web process mounts, built from the validators'
 * own schemas and the error catalogue. openapi.test.ts holds it against the mounted routers.
 */
export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'c2c-relay', version: 'v1', description: DESCRIPTION },
    // Relative to wherever the description is served, so it is right behind any host, port or scheme.
    servers: [{ url: '/', description: 'this relay' }],
    tags: [
      { name: 'click-to-call', description: 'The public calling API: Click-2-Call, Click-to-Agent and Click-to-FindMe (always HTTP 200).' },
      { name: 'status', description: 'Status documents and the status URL.' },
      { name: 'admin', description: 'Accounts, keys, PBX connections, policy and history (`Authorization: Bearer $ADMIN_TOKEN`).' },
      { name: 'saved endpoints', description: 'Saved click-to-call endpoints (Kazoo-style) and their public connect URL and widget.' },
      { name: 'webhooks', description: 'Webhook subscriptions, callback hosts and deliveries (`Authorization: Bearer $ADMIN_TOKEN`).' },
      { name: 'operations', description: 'Health and metrics.' },
      { name: 'documentation', description: 'This description and its page.' },
    ],
    paths: { ...publicPaths(), ...dialogTechPaths(), ...adminPaths(), ...clickToCallPaths(), ...agentResourcePaths(), ...webhookPaths(), ...smsGatewayPaths(), ...operationsPaths() },
    webhooks: { ...outgoingWebhooks(), ...dialogTechWebhooks() },
    components: {
      securitySchemes: {
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The account\'s API key (`c2c_live_…`).' },
        apiKeyBearer: { type: 'http', scheme: 'bearer', description: 'The account\'s API key as `Authorization: Bearer c2c_live_…`.' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key', description: 'The account\'s API key in the URL (kept out of stored URLs and logs, but not out of browser histories).' },
        statusToken: { type: 'apiKey', in: 'query', name: 'token', description: 'The token of the `status_url`, bound to its request id.' },
        adminToken: { type: 'http', scheme: 'bearer', description: '`ADMIN_TOKEN`.' },
      },
      schemas: {
        Click2CallFields: fromAjv(click2callSchema, { description: 'The click2call fields as validated, after formatting characters are removed from numbers.' }),
        Click2CallBody: click2callBodySchema(),
        ...dialogTechSchemas(),
        Click2CallResponse: CLICK2CALL_RESPONSE,
        CallState: CALL_STATE,
        StatusDocument: STATUS_DOCUMENT,
        ErrorCode: errorCodeSchema(),
        HttpError: HTTP_ERROR_SCHEMA,
        ...adminSchemas(),
        ...clickToCallSchemas(),
        ...agentResourceSchemas(),
        ...smsGatewaySchemas(),
        ...webhookSchemas(),
      },
    },
  };
}

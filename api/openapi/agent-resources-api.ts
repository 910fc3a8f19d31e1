import { RESOURCE_ID_PATTERN } from '../../shared/accounts/account-resource.js';
import { AGENT_QUEUE_SCHEMA } from '../../shared/agents/agent-queue-settings.js';
import { FINDME_SCHEMA } from '../../shared/findme/findme-settings.js';
import { operation } from './admin-api.js';
import { fromAjv, jsonContent, ref, type Json, type Paths } from './schema-tools.js';

const ACCOUNT_ID: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The account id (`acct_…`).' };
const resourceId = (name: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: RESOURCE_ID_PATTERN }, description: 'Chosen by the admin.' });

/** A saved resource as the API shows it: the validator's fields, with `pbx` and the defaults filled in, and its bookkeeping. */
function saved(schema: { properties: object; required: readonly string[] }, filled: string[], description: string): Json {
  return {
    type: 'object',
    description,
    required: ['id', ...schema.required, 'pbx', ...filled, 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string', pattern: RESOURCE_ID_PATTERN },
      ...fromAjv(schema.properties),
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
  };
}

export function agentResourceSchemas(): Record<string, Json> {
  return {
    AgentQueueSettings: fromAjv(AGENT_QUEUE_SCHEMA, { description: 'A Click-to-Agent queue: its PBX queue and its agents by agent id. Only on `asterisk` (else `unsupported_option`).' }),
    AgentQueue: saved(AGENT_QUEUE_SCHEMA, [], 'A saved agent queue.'),
    FindMeSettings: fromAjv(FINDME_SCHEMA, { description: 'A Click-to-FindMe list. `asterisk`: both strategies; `switchvox`: `ordered` only; never `other` (else `unsupported_option`).' }),
    FindMeList: saved(FINDME_SCHEMA, ['ring_seconds'], 'A saved FindMe list.'),
  };
}

/** One resource type's four operations (api/routes/agent-admin-routes.ts). */
function resourcePaths(segment: string, param: string, label: string, one: string, many: string, settings: string, shown: string): Paths {
  const single = { type: 'object', required: [one], properties: { [one]: ref(shown) } };
  const parameters = [ACCOUNT_ID, resourceId(param)];
  return {
    [`/admin/v1/accounts/{id}/${segment}`]: {
      get: operation(`List the account's ${label}s`, ['not_found'], { '200': { description: `The ${label}s, oldest first.`, content: jsonContent({ type: 'object', required: [many], properties: { [many]: { type: 'array', items: ref(shown) } } }) } }, { parameters: [ACCOUNT_ID] }),
    },
    [`/admin/v1/accounts/{id}/${segment}/{${param}}`]: {
      put: operation(`Create or replace a ${label}`, ['invalid_request', 'not_found', 'pbx_not_configured', 'unsupported_option'], {
        '201': { description: 'Created.', content: jsonContent(single) },
        '200': { description: 'Replaced (its `created_at` kept).', content: jsonContent(single) },
      }, { parameters, requestBody: { required: true, content: jsonContent(ref(settings)) } }),
      get: operation(`Read a ${label}`, ['not_found'], { '200': { description: `The ${label}.`, content: jsonContent(single) } }, { parameters }),
      delete: operation(`Remove a ${label}`, ['not_found'], { '204': { description: 'Removed.' } }, { parameters }),
    },
  };
}

/** SPEC §9: the account resources behind /v1/clicktoagent and /v1/clicktofindme. */
export function agentResourcePaths(): Paths {
  return {
    ...resourcePaths('agent-queues', 'queue_id', 'agent queue', 'agent_queue', 'agent_queues', 'AgentQueueSettings', 'AgentQueue'),
    ...resourcePaths('findme', 'findme_id', 'FindMe list', 'findme_list', 'findme_lists', 'FindMeSettings', 'FindMeList'),
  };
}

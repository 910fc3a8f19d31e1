import { DEFAULT_POLICY } from '../../shared/accounts/policy.js';
import { ASTERISK_AGENT_OK_PAUSE_REASONS } from '../../shared/accounts/pbx-settings.js';
import { agentSchema, findMeSchema } from '../dialogtech/parse-dialogtech-request.js';
import { CALL_OPTION_DESCRIPTIONS, callBodySchema, callOperations, queryParameters } from './call-entry-point.js';
import { fromAjv, type Json, type Paths } from './schema-tools.js';

type AgentField = keyof typeof agentSchema.properties;
type FindMeField = keyof typeof findMeSchema.properties;

// The per-recipient daily cap of worker/fallbacks/daily-caps.ts (PER_RECIPIENT_DAILY_CAP), which api/ may not import.
const PER_RECIPIENT_DAILY_CAP = 5;

const FORMATTING = 'Spaces, `-`, `.`, `(` and `)` are removed before the pattern is checked.';
const FALLBACK_ONLY = 'Only with `type=2` (with `type=1`: `invalid_request`), as in the reference.';
const SAME_AS_CLICK2CALL = 'Same keys, answer (HTTP 200, `{"response": …}`), error codes, status document and `wait`/`wait_for` as /v1/click2call.';
const okPauses = ASTERISK_AGENT_OK_PAUSE_REASONS.map((reason) => `\`${reason}\``).join(' and ');

/**
 * What each field of the clicktoagent schema means (SPEC §9, the DialogTech Click-to-Agent reference).
 * openapi.test.ts fails when a field of the schema is described without one.
 */
export const AGENT_FIELD_DESCRIPTIONS: Partial<Record<AgentField, string>> = {
  queue_id: 'The id of one of the account\'s agent queues (`PUT /admin/v1/accounts/{id}/agent-queues/{queue_id}`); the call is placed on that queue\'s PBX. Not one of the account\'s: `not_found`, revealing nothing of other accounts.',
  agent_id: `The id of an agent of that queue: rung first, at the queue's \`number\` for it. The agent must be available on the PBX (Asterisk \`QueueStatus\`: logged in, not on a call, and not paused, unless the pause reason is one of the connection's \`agent_ok_pause_reasons\`, default ${okPauses}), else \`agent_unavailable\` naming the agent's state, and nothing is dialed. During the call the agent is paused in the queue with reason \`Outbound\` and restored afterwards, whatever happens to the call.`,
  phone_to_call: `Dialed once the agent answers: the customer. Checked by the account policy as a second leg. ${FORMATTING}`,
  dial_as: 'Extension the call is placed as (caller ID, outbound route, permissions). Default: the agent\'s number.',
  ...CALL_OPTION_DESCRIPTIONS,
  timeout: 'Seconds to ring each leg (the agent, then `phone_to_call`), 1–120. Default 30.',
  first_callerid: 'Caller-ID number shown to the agent: the agent\'s number, `phone_to_call` or one of the policy\'s `caller_ids`, else `caller_id_not_allowed`.',
  second_callerid: 'Caller-ID number shown to `phone_to_call`; as `first_callerid`.',
};

/**
 * What each field of the clicktofindme schema means (SPEC §9, the DialogTech Click-to-FindMe reference).
 * openapi.test.ts fails when a field of the schema is described without one.
 */
export const FINDME_FIELD_DESCRIPTIONS: Partial<Record<FindMeField, string>> = {
  findme_id: 'The id of one of the account\'s FindMe lists (`PUT /admin/v1/accounts/{id}/findme/{findme_id}`): its `numbers`, its `strategy` (`ordered`: one at a time, `ring_seconds` each; `simultaneous`: all at once, the first to answer wins and the others stop ringing) and its PBX. Not one of the account\'s: `not_found`, revealing nothing of other accounts.',
  phone_to_call: `The party connected to whoever on the list answers: the customer. Checked by the account policy as a second leg; every number of the list (and \`no_answer_phone\`) as a first leg. ${FORMATTING}`,
  dial_as: 'Extension the call is placed as (caller ID, outbound route, permissions). Default: the first of the list\'s numbers, then `phone_to_call`, that is one of the PBX\'s extensions (the policy\'s `extensions` pattern); if none is, the list\'s first number.',
  type: [
    'The order of the call. `1` (default): `phone_to_call` is rung first (`timeout` seconds); once it answers, the list. `2`: the list first; whoever answers is connected to `phone_to_call`, which rings `timeout` seconds.',
    'What each PBX can hunt: Asterisk every `type` with either `strategy` (a `simultaneous` list with `type=2` and an `ordered` one with `type=1` through the README\'s `c2c-relay-ringall` and `c2c-relay-hunt` contexts); Switchvox `type=2` with an `ordered` list (one call per number); the `other` PBX nothing (it reports no call progress). Anything else: `unsupported_option`, before anything is dialed.',
    'Every number tried and how it ended is in the status document\'s `attempts`.',
  ].join(' '),
  no_answer_email: [
    `${FALLBACK_ONLY} When nobody on the list answers, this address gets the reference's email: subject \`<page> unsuccessful for (555) 111-2222\` (\`<page>\`: the last path segment of \`page\` without its extension, else \`Click-to-FindMe\`) and one line per attempt (\`(555) 868-8950 No Answer\`).`,
    'Sent through the relay\'s SMTP server (`SMTP_URL`; not set: `invalid_request`), from the policy\'s `email_from`, else `SMTP_FROM`. One plain address: no display name, no list.',
    `Daily caps per UTC day: the policy's \`daily_email_cap\` per account (default ${DEFAULT_POLICY.daily_email_cap}) and ${PER_RECIPIENT_DAILY_CAP} to one address; past a cap it is not sent, and the status document's \`fallbacks\` says \`refused\`.`,
  ].join(' '),
  no_answer_sms: [
    `${FALLBACK_ONLY} When nobody on the list answers, this number gets the reference's text (\`<page> unsuccessful for (555) 111-2222\`) through the account's SMS gateway (\`PUT /admin/v1/accounts/{id}/sms-gateway\`), from the first of the policy's \`sms_from\` numbers. Without a gateway or an \`sms_from\` number: \`invalid_request\`.`,
    `3 to 15 digits, optionally after a \`+\`. Daily caps per UTC day: the policy's \`daily_sms_cap\` per account (default ${DEFAULT_POLICY.daily_sms_cap}) and ${PER_RECIPIENT_DAILY_CAP} to one number; past a cap it is not sent (\`refused\`).`,
  ].join(' '),
  no_answer_url: [
    `${FALLBACK_ONLY} When nobody on the list answers, the reference's XML document is POSTed here (the \`findme.no_answer\` webhook).`,
    'Its host must be one of the account\'s `callback_hosts` (`PUT /admin/v1/accounts/{id}/webhooks/callback-hosts`) and it must be `https://` (`http://` only where the operator allows private receivers), else `invalid_request`.',
    'Signed with the callback secret (`C2C-Signature`), guarded like every webhook (no private addresses, no redirects), retried with backoff for 24 h, and listed in the account\'s webhook deliveries; no daily cap.',
  ].join(' '),
  no_answer_phone: `${FALLBACK_ONLY} Called after the list when nobody on it answered (the list's \`ring_seconds\`); once it answers it is connected to \`phone_to_call\`. Checked by the account policy as a first leg, like the list's numbers. ${FORMATTING}`,
  ...CALL_OPTION_DESCRIPTIONS,
  timeout: 'Seconds `phone_to_call` rings, 1–120 (default 30); each number of the list rings the list\'s `ring_seconds`.',
  wait: 'Seconds the answer may wait, 0–130; past the bound, as on /v1/click2call. Default: 10 with `wait_for=verdict` (Switchvox: the ring time of the list + 10); with `answered`, the ring time of the list (`ring_seconds` for each number of an ordered list and for `no_answer_phone`, once for a simultaneous list) + 10; with `connected`, that + `timeout`. At most 130.',
  first_callerid: 'Caller-ID number shown on the first leg rung: `phone_to_call` with `type=1`, the list\'s numbers with `type=2`. It must be `phone_to_call`, one of the list\'s numbers, `no_answer_phone` or one of the policy\'s `caller_ids`, else `caller_id_not_allowed`; `unsupported_option` on a PBX that cannot set it (Switchvox).',
  second_callerid: 'Caller-ID number shown on the other leg: the list\'s numbers with `type=1`, `phone_to_call` with `type=2`; allowed as `first_callerid`.',
  page: 'Free text (the page the click came from): stored, listed and exported with the request, handed to the PBX (`C2C_PAGE`), and the `<page>` of the no-answer email and SMS.',
  record: 'Not a Click-to-FindMe parameter: `record=1` is refused with `invalid_request`.',
  warning: 'Accepted as on every entry point, but without recording there is no warning to play.',
};

/** The answer and codes of its own that a DialogTech entry point adds to the shared ones. */
const AGENT_ABOUT = [
  'Click-to-Agent (DialogTech\'s reference): rings an agent of a saved queue first, then connects `phone_to_call`. ' + SAME_AS_CLICK2CALL,
  'Its own refusals: `agent_unavailable` (the agent is logged out, on a call, paused for another reason, or already on another click-to-agent call; nothing is dialed), `unsupported_option` (the queue\'s PBX cannot tell whether an agent is available: only Asterisk can), `invalid_request` (a queue or agent not of this account).',
  '',
];

const FINDME_ABOUT = [
  'Click-to-FindMe (DialogTech\'s reference): connects `phone_to_call` with whoever answers of a saved FindMe list, in the order `type` says. ' + SAME_AS_CLICK2CALL,
  'The status document lists every number tried in `attempts` and, when nobody on the list answered, the outcome of each `no_answer_*` fallback in `fallbacks`.',
  'Its own refusals: `unsupported_option` (a list strategy and `type` the PBX cannot hunt), `invalid_request` (a list not of this account, `no_answer_*` without `type=2`, a fallback the account cannot send).',
  '',
];

export function dialogTechSchemas(): Record<string, Json> {
  return {
    ClickToAgentFields: fromAjv(agentSchema, { description: 'The clicktoagent fields as validated, after formatting characters are removed from numbers.' }),
    ClickToAgentBody: callBodySchema('ClickToAgentFields'),
    ClickToFindMeFields: fromAjv(findMeSchema, { description: 'The clicktofindme fields as validated, after formatting characters are removed from numbers.' }),
    ClickToFindMeBody: callBodySchema('ClickToFindMeFields'),
  };
}

/** SPEC §9: the two entry points api/main.ts mounts with `callRoutes`. */
export function dialogTechPaths(): Paths {
  return {
    '/v1/clicktoagent': callOperations({
      operationId: 'clickToAgent',
      summary: 'Click-to-Agent: ring an agent of a saved queue, then connect phone_to_call',
      about: AGENT_ABOUT,
      parameters: queryParameters(agentSchema, AGENT_FIELD_DESCRIPTIONS),
      body: 'ClickToAgentBody',
    }),
    '/v1/clicktofindme': callOperations({
      operationId: 'clickToFindMe',
      summary: 'Click-to-FindMe: connect phone_to_call with whoever answers of a saved FindMe list',
      about: FINDME_ABOUT,
      parameters: queryParameters(findMeSchema, FINDME_FIELD_DESCRIPTIONS),
      body: 'ClickToFindMeBody',
    }),
  };
}

const XML_TEXT = { type: 'string' } as const;

/** What a FindMe's `no_answer_url` receives (OpenAPI 3.1 `webhooks`): the reference's XML, unchanged. */
export function dialogTechWebhooks(): Record<string, Json> {
  return {
    'findme.no_answer': {
      post: {
        summary: 'Nobody on a FindMe list answered (`no_answer_url`)',
        description: 'POSTed once per request to its `no_answer_url`, as the DialogTech reference\'s XML document and nothing else; the request id is in the `C2C-Request-Id` header, each attempt\'s time in the status document. Delivered like every webhook: at least once, with exponential backoff for 24 h; verify `C2C-Signature` with the account\'s callback secret and de-duplicate on `C2C-Webhook-Id` (`noanswer_<request_id>`).',
        parameters: [
          { name: 'C2C-Signature', in: 'header', required: true, schema: { type: 'string', pattern: '^t=[0-9]+,v1=[0-9a-f]{64}$' } },
          { name: 'C2C-Webhook-Id', in: 'header', required: true, schema: { type: 'string' } },
          { name: 'C2C-Request-Id', in: 'header', required: true, schema: { type: 'string' } },
        ],
        requestBody: {
          required: true,
          content: {
            'application/xml': {
              schema: {
                type: 'object',
                xml: { name: 'response' },
                required: ['phone_to_call', 'attempts'],
                properties: {
                  phone_to_call: XML_TEXT,
                  attempts: {
                    type: 'array',
                    xml: { wrapped: true },
                    items: {
                      type: 'object',
                      xml: { name: 'attempt' },
                      required: ['called_number', 'call_result'],
                      properties: { called_number: XML_TEXT, call_result: { enum: ['Answered', 'No Answer', 'Busy', 'Failed'] } },
                    },
                  },
                },
              },
            },
          },
        },
        responses: { '200': { description: 'Any 2xx acknowledges the delivery; anything else (or no answer in time) is retried.' } },
      },
    },
  };
}

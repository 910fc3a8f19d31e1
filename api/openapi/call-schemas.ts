import { schema as click2callSchema } from '../click2call/parse-request.js';
import { CALL_STATES } from '../../shared/status/status-document.js';
import { fromAjv, ref, type Json } from './schema-tools.js';

const UTC_TIME: Json = { type: 'string', pattern: '^[0-9]+$', description: 'Unix time in seconds, as a string.' };

const fields = click2callSchema.properties;

/** The `response` envelope of SPEC §2: what every click2call request gets, with HTTP 200. */
export const CLICK2CALL_RESPONSE: Json = {
  type: 'object',
  required: ['response'],
  properties: {
    response: {
      type: 'object',
      required: ['request_id', 'status', 'errors', 'server_id', 'state', 'status_url'],
      properties: {
        request_id: { type: 'string', format: 'uuid', description: 'Random UUID v4: also the job id, the status document id and the key of every log line.' },
        status: { enum: ['success', 'fail'], description: '`success`: the PBX accepted the call request (or it is with the PBX and may still ring). Not a verdict on the call itself: that is in the status document.' },
        errors: {
          type: 'array',
          description: 'Empty on success; on `fail`, one item or more.',
          items: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message', 'url'],
                properties: {
                  code: ref('ErrorCode'),
                  message: { type: 'string', description: 'For PBX errors, the PBX text verbatim.' },
                  url: { type: 'string', description: 'The status URL, or empty where nothing was stored (no valid key, a limit, a link preview).' },
                },
              },
            },
          },
        },
        server_id: { type: 'string' },
        state: { anyOf: [ref('CallState'), { const: '' }], description: 'The status document state at answer time; empty where nothing was stored.' },
        status_url: { type: 'string', description: 'GET it for the status document; empty where nothing was stored.' },
      },
    },
  },
};

/** SPEC §3 states, in the order they can come. */
export const CALL_STATE: Json = {
  enum: CALL_STATES,
  description: 'Moves forward only: `queued` → `dispatching` → `accepted` | `failed` | `expired`, then where the PBX reports progress `first_answered` → `connected` → `completed`, or `no_answer` | `busy` | `failed`. `dispatching` with a `response.error` records a call request whose answer was lost: the phone may ring, and it is never reported failed.',
};

/** What the request asked for, as stored (numbers normalised; `timeout`, `wait`, `warning` as numbers). */
const REQUEST_DATA: Json = {
  type: 'object',
  additionalProperties: true,
  properties: {
    dial_first: fromAjv(fields.dial_first),
    dial_second: fromAjv(fields.dial_second),
    dial_as: fromAjv(fields.dial_as),
    pbx: fromAjv(fields.pbx),
    timeout: { type: 'integer' },
    wait: { type: 'integer' },
    wait_for: fromAjv(fields.wait_for),
    first_callerid: fromAjv(fields.first_callerid),
    second_callerid: fromAjv(fields.second_callerid),
    page: fromAjv(fields.page),
    ref: fromAjv(fields.ref),
    record: { const: 1 },
    warning: { type: 'integer', minimum: 0, maximum: 3 },
    queue_id: { type: 'string', description: 'Click-to-Agent.' },
    agent_id: { type: 'string', description: 'Click-to-Agent.' },
    findme_id: { type: 'string', description: 'Click-to-FindMe.' },
    phone_to_call: { type: 'string', description: 'Click-to-Agent and Click-to-FindMe; `dial_second` is the same number.' },
    type: { anyOf: [{ enum: [1, 2] }, { type: 'string' }], description: 'Click-to-FindMe: 1 or 2 (the text as received, in a request refused before it was parsed).' },
    no_answer_email: { type: 'string', description: 'Click-to-FindMe.' },
    no_answer_sms: { type: 'string', description: 'Click-to-FindMe.' },
    no_answer_url: { type: 'string', description: 'Click-to-FindMe.' },
    no_answer_phone: { type: 'string', description: 'Click-to-FindMe.' },
  },
};

/** The status document of SPEC §3 (`{"c2c_status": …}`). */
export const STATUS_DOCUMENT: Json = {
  type: 'object',
  required: ['c2c_status'],
  properties: {
    c2c_status: {
      type: 'object',
      required: ['request_id', 'server_id', 'state', 'request', 'events'],
      properties: {
        request_id: { type: 'string', format: 'uuid' },
        server_id: { type: 'string' },
        state: ref('CallState'),
        request: {
          type: 'object',
          required: ['utc.time', 'request_url', 'http_method', 'request_data'],
          properties: {
            'utc.time': UTC_TIME,
            request_url: { type: 'string', description: 'As received, with `api_key` and every secret `REDACTED`.' },
            http_method: { type: 'string' },
            request_data: REQUEST_DATA,
          },
        },
        pbx_request: {
          type: 'object',
          required: ['utc.time', 'pbx', 'pbx_data'],
          properties: { 'utc.time': UTC_TIME, pbx: { type: 'string' }, pbx_data: { type: 'object', description: 'What was sent to the PBX, secrets `REDACTED`.' } },
        },
        response: {
          type: 'object',
          required: ['utc.time'],
          properties: {
            'utc.time': UTC_TIME,
            response_data: { description: 'What the PBX answered, unmodified (at most 4 KB, else marked truncated).' },
            error: { type: 'object', required: ['code', 'message'], properties: { code: ref('ErrorCode'), message: { type: 'string' } } },
          },
        },
        events: {
          type: 'array',
          items: {
            type: 'object',
            required: ['utc.time', 'event'],
            properties: { 'utc.time': UTC_TIME, event: ref('CallState'), leg: { enum: [1, 2] }, cause: { type: 'string' } },
          },
        },
        attempts: {
          type: 'array',
          description: 'Click-to-FindMe: every number tried and how it ended, in order (at most 32), in the words of the DialogTech reference.',
          items: {
            type: 'object',
            required: ['called_number', 'call_result', 'utc.time'],
            properties: { called_number: { type: 'string' }, call_result: { enum: ['Answered', 'No Answer', 'Busy', 'Failed'] }, 'utc.time': UTC_TIME },
          },
        },
        fallbacks: {
          type: 'array',
          description: 'Click-to-FindMe, when nobody on the list answered: what each `no_answer_*` fallback came to (at most 32). A later outcome of the same channel and recipient (a retried URL) replaces the earlier one.',
          items: {
            type: 'object',
            required: ['channel', 'to', 'result', 'at'],
            properties: {
              channel: { enum: ['email', 'sms', 'url', 'phone'], description: 'Which `no_answer_*` parameter.' },
              to: { type: 'string', description: 'The address, number or URL (without its query, which may hold the receiver\'s token).' },
              result: {
                enum: ['queued', 'sent', 'retrying', 'refused', 'failed'],
                description: '`sent`: the SMTP server, SMS gateway or URL took it, or `no_answer_phone` answered and was connected; `refused`: not sent, and sending again cannot help (no SMTP server or SMS gateway, a daily cap, a host no longer allowed); `failed`: it was tried and not taken; `queued` and `retrying`: a URL delivery still under way.',
              },
              message: { type: 'string', description: 'Why, for anything but `sent`: the server\'s or gateway\'s words, or the relay\'s.' },
              at: { type: 'string', format: 'date-time', description: 'When the outcome was known (ISO 8601).' },
            },
          },
        },
      },
    },
  },
};

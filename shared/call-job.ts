import { Ajv } from 'ajv';
import { PBX_KINDS, type PbxKind } from './accounts/pbx-settings.js';
import { Shards } from './shards.js';

/** The BullMQ queue every call job goes through. */
export const CALL_QUEUE = 'click2call';

/** The call queue's prefix on a single shard: the previous release's layout (see shared/shards.ts for shards). */
export function queuePrefix(redisPrefix: string): string {
  return new Shards(redisPrefix).queuePrefix(0);
}

/**
 * The job contract between API and worker. Jobs carry references (account id, PBX kind) and the
 * validated numbers, never credentials: the worker loads and decrypts the connection itself.
 */
export interface CallJob {
  request_id: string;
  account_id: string;
  pbx: PbxKind;
  dial_first: string;
  dial_second: string;
  dial_as: string;
  timeout: number;
  /** Unix ms after which the job must not be dialed any more (it is `expired` instead). */
  deadline_ms: number;
  /** Call options (SPEC §8), present only when asked for. */
  first_callerid?: string;
  second_callerid?: string;
  page?: string;
  ref?: string;
  record?: boolean;
  warning?: RecordingWarning;
  /** What a saved click-to-call endpoint (SPEC §10) adds to the call, validated when it was saved. */
  endpoint?: EndpointCallSettings;
  /** Click-to-Agent or Click-to-FindMe (SPEC §9): the call is more than one Originate, driven by the worker. */
  plan?: CallPlan;
}

/**
 * SPEC §9 calls. `agent`: dial_first is the agent's number, paused in `queue` (as `interface`) for
 * the call. `findme`: the hunt list and what to do when nobody on it answers; dial_first and
 * dial_second name the first attempt.
 */
export type CallPlan =
  | { kind: 'agent'; queue: string; interface: string; agent_id: string }
  | {
      kind: 'findme';
      /** 1: phone_to_call first, then the list; 2: the list first. */
      type: 1 | 2;
      strategy: 'ordered' | 'simultaneous';
      ring_seconds: number;
      numbers: string[];
      phone_to_call: string;
      no_answer?: NoAnswerFallbacks;
    };

/** Where a type-2 FindMe reports that nobody on the list answered (validated by the API). */
export interface NoAnswerFallbacks {
  email?: string;
  sms?: string;
  url?: string;
  phone?: string;
}

/** A saved endpoint's settings for the PBX, as the job carries them (names and values validated at save time). */
export interface EndpointCallSettings {
  /** custom_application_vars: set as channel variables C2C_APP_<NAME>. */
  application_vars?: Record<string, string>;
  /** custom_sip_headers.out: added to the outgoing leg's INVITE. */
  sip_headers?: Record<string, string>;
  /** music_on_hold.media_id: the PBX's music-on-hold class. */
  music_on_hold?: string;
  ringback?: string;
}

/** DialogTech's `warning`: 0 none, 1 both parties, 2 the first leg (the agent) only, 3 the second leg (the third party) only. */
export type RecordingWarning = 0 | 1 | 2 | 3;

const number = { type: 'string', pattern: '^\\+?[0-9*#]{1,32}$' } as const;
const freeText = { type: 'string', pattern: '^[^\\x00-\\x1f\\x7f]*$' } as const;
const nameValues = { type: 'object', maxProperties: 20, propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' }, additionalProperties: { ...freeText, maxLength: 256 } } as const;

const callJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['request_id', 'account_id', 'pbx', 'dial_first', 'dial_second', 'dial_as', 'timeout', 'deadline_ms'],
  properties: {
    request_id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' },
    account_id: { type: 'string', pattern: '^[A-Za-z0-9_]{1,64}$' },
    pbx: { enum: PBX_KINDS },
    dial_first: number,
    dial_second: number,
    dial_as: number,
    timeout: { type: 'integer', minimum: 1, maximum: 120 },
    deadline_ms: { type: 'integer', minimum: 0 },
    first_callerid: number,
    second_callerid: number,
    page: { ...freeText, maxLength: 255 },
    ref: { ...freeText, maxLength: 32 },
    record: { type: 'boolean' },
    warning: { enum: [0, 1, 2, 3] },
    plan: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'queue', 'interface', 'agent_id'],
          properties: {
            kind: { const: 'agent' },
            queue: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,80}$' },
            interface: { type: 'string', pattern: '^[A-Za-z0-9]+/[A-Za-z0-9_.@/+*#-]{1,80}$' },
            agent_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'type', 'strategy', 'ring_seconds', 'numbers', 'phone_to_call'],
          properties: {
            kind: { const: 'findme' },
            type: { enum: [1, 2] },
            strategy: { enum: ['ordered', 'simultaneous'] },
            ring_seconds: { type: 'integer', minimum: 1, maximum: 120 },
            numbers: { type: 'array', minItems: 1, maxItems: 10, items: number },
            phone_to_call: number,
            no_answer: {
              type: 'object',
              additionalProperties: false,
              properties: {
                email: { type: 'string', maxLength: 254, pattern: '^[^\\x00-\\x20,;<>]+@[^\\x00-\\x20,;<>]+$' },
                sms: number,
                url: { type: 'string', maxLength: 2048, pattern: '^https?://[^\\x00-\\x20]+$' },
                phone: number,
              },
            },
          },
        },
      ],
    },
    endpoint: {
      type: 'object',
      additionalProperties: false,
      properties: {
        application_vars: nameValues,
        sip_headers: nameValues,
        music_on_hold: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        ringback: { type: 'string', pattern: '^[A-Za-z0-9_/-]{1,128}$' },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(callJobSchema);

/** Checks a job on either side of the queue; throws naming what is wrong. */
export function parseCallJob(data: unknown): CallJob {
  if (!validate(data)) {
    const detail = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new Error(`invalid call job: ${detail}`);
  }
  return data as CallJob;
}

/** Admin connection tests run in a worker, the only process that opens PBX connections. */
export const PBX_TEST_QUEUE = 'pbx-test';

export interface PbxTestJob {
  account_id: string;
  pbx: PbxKind;
}

/** How long all of a call's parties may ring in turn: both legs, or a FindMe list (in turn, or at once) plus a no-answer phone and the party called. */
export function ringSecondsOf(plan: CallPlan | undefined, timeout: number): number {
  if (plan?.kind !== 'findme') return 2 * timeout;
  const turns = plan.strategy === 'simultaneous' ? 1 : plan.numbers.length + (plan.no_answer?.phone === undefined ? 0 : 1);
  return turns * plan.ring_seconds + timeout;
}

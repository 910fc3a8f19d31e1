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

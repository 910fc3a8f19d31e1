import { Ajv } from 'ajv';
import { AppError } from '../../shared/errors.js';
import { CALL_OPTION_MESSAGES, CALL_OPTION_PROPERTIES, readCallOptions, takeCallOptionFields, type CallOptions } from '../call-options/call-options.js';
import { FieldInput, NUMBER_PATTERN, scalar, schemaProblems } from '../call-options/field-values.js';

/** `/v1/clicktoagent` after validation (SPEC §9): which saved queue and agent, and who they call. */
export interface ClickToAgentRequest {
  queueId: string;
  agentId: string;
  phoneToCall: string;
  dialAs: string | undefined;
  options: CallOptions;
}

/** `/v1/clicktofindme` after validation (SPEC §9). */
export interface ClickToFindMeRequest {
  findmeId: string;
  phoneToCall: string;
  /** 1: phone_to_call first, then the list (default); 2: the list first. */
  type: 1 | 2;
  dialAs: string | undefined;
  noAnswer: { email?: string; sms?: string; url?: string; phone?: string };
  options: CallOptions;
}

const number = { type: 'string', pattern: NUMBER_PATTERN } as const;
const resourceId = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const NUMBER_MESSAGE = 'must be a phone number: digits, optionally a leading +, * and # (spaces, dashes, dots and brackets are ignored), at most 32';

const MESSAGES: Record<string, string> = {
  queue_id: 'queue_id must be the id of one of the account\'s agent queues (letters, digits, _ and -)',
  agent_id: 'agent_id must be the id of an agent of that queue (letters, digits, _ and -)',
  findme_id: 'findme_id must be the id of one of the account\'s FindMe lists (letters, digits, _ and -)',
  phone_to_call: `phone_to_call ${NUMBER_MESSAGE}`,
  dial_as: 'dial_as must be an extension number: digits, optionally a leading +, * and #',
  type: 'type must be 1 (phone_to_call first) or 2 (the FindMe list first)',
  no_answer_email: 'no_answer_email must be one email address (at most 254 characters)',
  no_answer_sms: `no_answer_sms ${NUMBER_MESSAGE}`,
  no_answer_url: 'no_answer_url must be an http(s) URL of at most 2048 characters',
  no_answer_phone: `no_answer_phone ${NUMBER_MESSAGE}`,
  ...CALL_OPTION_MESSAGES,
};

/** The `/v1/clicktoagent` fields, as validated; also the OpenAPI description's (api/openapi/dialogtech-api.ts). */
export const agentSchema = {
  type: 'object',
  required: ['queue_id', 'agent_id', 'phone_to_call'],
  properties: { queue_id: resourceId, agent_id: resourceId, phone_to_call: number, dial_as: number, ...CALL_OPTION_PROPERTIES },
} as const;

/** The `/v1/clicktofindme` fields, as validated; also the OpenAPI description's. */
export const findMeSchema = {
  type: 'object',
  required: ['findme_id', 'phone_to_call'],
  properties: {
    findme_id: resourceId,
    phone_to_call: number,
    dial_as: number,
    type: { type: 'string', enum: ['1', '2'] },
    // One address: no lists, no display names, nothing that could become a second header line; the
    // full grammar is checked with the account's fallbacks (shared/findme/email-address.ts).
    no_answer_email: { type: 'string', maxLength: 254, pattern: '^[^\\s,;<>"()]+$' },
    no_answer_sms: number,
    no_answer_url: { type: 'string', maxLength: 2048, pattern: '^https?://[^\\x00-\\x20]+$' },
    no_answer_phone: number,
    ...CALL_OPTION_PROPERTIES,
  },
} as const;

const validateAgent = new Ajv({ allErrors: true }).compile(agentSchema);
const validateFindMe = new Ajv({ allErrors: true }).compile(findMeSchema);

/** The fields every DialogTech entry point shares, normalised; `record`/`warning` are DialogTech's own. */
function commonInput(fields: Record<string, unknown>): FieldInput {
  const input = new FieldInput();
  input.takeNumber('phone_to_call', fields.phone_to_call);
  input.takeNumber('dial_as', fields.dial_as);
  takeCallOptionFields(fields, input);
  return input;
}

function finish(problems: Set<string>): void {
  if (problems.size > 0) throw new AppError('invalid_request', [...problems].join('; '));
}

/** Validates `/v1/clicktoagent` fields; throws one `invalid_request` naming every bad field. */
export function parseClickToAgent(fields: Record<string, unknown>): ClickToAgentRequest {
  const input = commonInput(fields);
  input.take('queue_id', scalar(fields.queue_id));
  input.take('agent_id', scalar(fields.agent_id));
  const problems = new Set<string>();
  if (!validateAgent(input.values)) schemaProblems(validateAgent.errors, MESSAGES, problems);
  const options = readCallOptions(input.values, problems);
  finish(problems);
  const v = input.values;
  return { queueId: v.queue_id as string, agentId: v.agent_id as string, phoneToCall: v.phone_to_call as string, dialAs: v.dial_as, options };
}

/**
 * Validates `/v1/clicktofindme` fields. As in DialogTech's reference the `no_answer_*` fallbacks
 * exist only with `type=2` (the list is called first): with type 1 they are refused, not ignored.
 */
export function parseClickToFindMe(fields: Record<string, unknown>): ClickToFindMeRequest {
  const input = commonInput(fields);
  input.take('findme_id', scalar(fields.findme_id));
  input.take('type', scalar(fields.type));
  input.take('no_answer_email', scalar(fields.no_answer_email)?.trim());
  input.takeNumber('no_answer_sms', fields.no_answer_sms);
  input.take('no_answer_url', scalar(fields.no_answer_url));
  input.takeNumber('no_answer_phone', fields.no_answer_phone);
  const problems = new Set<string>();
  if (!validateFindMe(input.values)) schemaProblems(validateFindMe.errors, MESSAGES, problems);
  const options = readCallOptions(input.values, problems);
  const v = input.values;
  const type = v.type === '2' ? 2 : 1;
  const fallbacks = (['email', 'sms', 'url', 'phone'] as const).filter((name) => v[`no_answer_${name}`] !== undefined);
  if (type === 1 && fallbacks.length > 0) problems.add(`${fallbacks.map((name) => `no_answer_${name}`).join(', ')} need type=2: the fallbacks apply when nobody on the list answers a call made to the list first`);
  if (options.record) problems.add('record is not a Click-to-FindMe parameter');
  finish(problems);
  const noAnswer = Object.fromEntries(fallbacks.map((name) => [name, v[`no_answer_${name}`] as string]));
  return { findmeId: v.findme_id as string, phoneToCall: v.phone_to_call as string, type, dialAs: v.dial_as, noAnswer, options };
}

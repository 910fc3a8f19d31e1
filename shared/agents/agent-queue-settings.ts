import { Ajv } from 'ajv';
import { AppError } from '../errors.js';
import { PBX_KINDS, type PbxKind } from '../accounts/pbx-settings.js';
import { describeAjvErrors, RESOURCE_ID_PATTERN, RESOURCE_NAME_SCHEMA, RESOURCE_NUMBER_PATTERN, resourcePbx, type ResourceAccount } from '../accounts/account-resource.js';
import { agentQueueUnsupported } from '../pbx-capabilities.js';

/** An agent of a queue: the number the relay dials, and the queue member it is on the PBX. */
export interface Agent {
  number: string;
  /** The member's interface as the queue knows it (`PJSIP/1001`, `Local/1001@from-queue/n`): QueueStatus and QueuePause name it. */
  interface: string;
}

/** A Click-to-Agent queue (SPEC §9): `queue_id` and `agent_id` of a public call name one of these. */
export interface AgentQueueSettings {
  name: string;
  /** Filled in when saved: the account's PBX the queue lives on. */
  pbx: PbxKind;
  /** The queue's name on the PBX (Asterisk's queues.conf section). */
  pbx_queue: string;
  /** By agent id. */
  agents: Record<string, Agent>;
}

/*
 * pbx_queue and interface go into AMI headers (`Queue:`, `Interface:`): a CR or LF there would
 * start a header or an action of the caller's choosing, so both are held to plain characters.
 */
export const AGENT_QUEUE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'pbx_queue', 'agents'],
  properties: {
    name: RESOURCE_NAME_SCHEMA,
    pbx: { enum: PBX_KINDS, description: 'Default: the policy\'s `default_pbx`, else the account\'s only PBX connection.' },
    pbx_queue: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,80}$', description: 'The queue\'s name on the PBX.' },
    agents: {
      type: 'object',
      minProperties: 1,
      maxProperties: 200,
      propertyNames: { pattern: RESOURCE_ID_PATTERN },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['number', 'interface'],
        properties: {
          number: { type: 'string', pattern: RESOURCE_NUMBER_PATTERN, description: 'What the relay dials to ring the agent.' },
          interface: { type: 'string', pattern: '^[A-Za-z0-9]+/[A-Za-z0-9_.@/+*#-]{1,80}$', description: 'The queue member\'s interface: `PJSIP/1001`, `SIP/1001`, `IAX2/1001`, `Local/1001@from-queue/n`.' },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, useDefaults: true }).compile(AGENT_QUEUE_SCHEMA);

/**
 * Validates an agent queue for an account and fills in its `pbx`; throws `invalid_request` naming
 * every bad field, `pbx_not_configured` for a PBX the account lacks, `unsupported_option` for a PBX
 * that cannot run agent queues.
 */
export function parseAgentQueue(input: unknown, account: ResourceAccount): AgentQueueSettings {
  const copy: unknown = structuredClone(input);
  if (!validate(copy)) throw new AppError('invalid_request', `Invalid agent queue: ${describeAjvErrors(validate.errors)}`);
  const queue = copy as Omit<AgentQueueSettings, 'pbx'> & { pbx?: PbxKind };
  const pbx = resourcePbx(queue.pbx, account);
  const unsupported = agentQueueUnsupported(pbx);
  if (unsupported !== undefined) throw new AppError('unsupported_option', unsupported);
  return { ...queue, pbx };
}

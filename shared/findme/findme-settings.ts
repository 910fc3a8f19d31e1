import { Ajv } from 'ajv';
import { AppError } from '../errors.js';
import { PBX_KINDS, type PbxKind } from '../accounts/pbx-settings.js';
import { describeAjvErrors, RESOURCE_NAME_SCHEMA, RESOURCE_NUMBER_PATTERN, resourcePbx, type ResourceAccount } from '../accounts/account-resource.js';
import { findMeUnsupported } from '../pbx-capabilities.js';

/** `ordered` rings the numbers one after another; `simultaneous` rings them all, the first to answer wins. */
export const FINDME_STRATEGIES = ['ordered', 'simultaneous'] as const;
export type FindMeStrategy = (typeof FINDME_STRATEGIES)[number];

export const FINDME_RING_SECONDS_DEFAULT = 20;

/** A Click-to-FindMe list (SPEC §9): `findme_id` of a public call names one of these. */
export interface FindMeSettings {
  name: string;
  /** Filled in when saved: the account's PBX that places the calls. */
  pbx: PbxKind;
  numbers: string[];
  strategy: FindMeStrategy;
  /** How long each number rings (`ordered`), or all of them (`simultaneous`). */
  ring_seconds: number;
}

export const FINDME_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'numbers', 'strategy'],
  properties: {
    name: RESOURCE_NAME_SCHEMA,
    pbx: { enum: PBX_KINDS, description: 'Default: the policy\'s `default_pbx`, else the account\'s only PBX connection.' },
    numbers: { type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: { type: 'string', pattern: RESOURCE_NUMBER_PATTERN } },
    strategy: { enum: FINDME_STRATEGIES },
    ring_seconds: { type: 'integer', minimum: 5, maximum: 120, default: FINDME_RING_SECONDS_DEFAULT },
  },
} as const;

const validate = new Ajv({ allErrors: true, useDefaults: true }).compile(FINDME_SCHEMA);

/**
 * Validates a FindMe list for an account and fills in its `pbx` and defaults; throws
 * `invalid_request` naming every bad field, `pbx_not_configured` for a PBX the account lacks,
 * `unsupported_option` for a PBX that cannot hunt with the list's strategy.
 */
export function parseFindMe(input: unknown, account: ResourceAccount): FindMeSettings {
  const copy: unknown = structuredClone(input);
  if (!validate(copy)) throw new AppError('invalid_request', `Invalid FindMe list: ${describeAjvErrors(validate.errors)}`);
  const list = copy as Omit<FindMeSettings, 'pbx'> & { pbx?: PbxKind };
  const pbx = resourcePbx(list.pbx, account);
  const unsupported = findMeUnsupported(pbx, list.strategy);
  if (unsupported !== undefined) throw new AppError('unsupported_option', unsupported);
  return { ...list, pbx };
}

import { Ajv } from 'ajv';
import { AppError } from '../errors.js';
import { PBX_KINDS, type PbxKind } from './pbx-settings.js';

/** Per-account destination policy and limits (SPEC §4). */
export interface Policy {
  allow: string[];
  deny: string[];
  rate_per_minute: number;
  max_concurrent: number;
  default_pbx?: PbxKind;
  /** Numbers up to this many digits are the PBX's own extensions and skip the policy for dial_first. */
  extension_max_digits: number;
}

/**
 * Safe by default: national numbers and extensions only. International prefixes (`+`, `00`, `011`)
 * and well-known premium-rate ranges (NANP 900/976, UK/EU 09xx, 118 directory services) are denied
 * until the operator widens the policy.
 */
export const DEFAULT_POLICY: Policy = {
  allow: ['^[0-9*#]{1,15}$'],
  deny: ['^\\+', '^00', '^011', '^1?9(00|76)', '^09', '^118'],
  rate_per_minute: 60,
  max_concurrent: 10,
  extension_max_digits: 6,
};

const policySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allow: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } },
    deny: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } },
    rate_per_minute: { type: 'integer', minimum: 1, maximum: 10000000 },
    max_concurrent: { type: 'integer', minimum: 1, maximum: 10000 },
    default_pbx: { enum: PBX_KINDS },
    extension_max_digits: { type: 'integer', minimum: 0, maximum: 32 },
  },
} as const;

const validatePolicy = new Ajv({ allErrors: true }).compile(policySchema);

// A nested quantifier (`(a+)+`, `(a*)*`, `(a|aa)+` …) is what makes a regex backtrack catastrophically.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]|\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)\s*[+*{]/;

/** Throws `invalid_request` if a pattern cannot compile or could backtrack catastrophically. */
export function checkPattern(pattern: string): RegExp {
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern);
  } catch (err) {
    throw new AppError('invalid_request', `pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(err as Error).message}`);
  }
  if (NESTED_QUANTIFIER.test(pattern)) {
    throw new AppError('invalid_request', `pattern ${JSON.stringify(pattern)} repeats a repeated or alternated group, which can take exponential time; rewrite it without nested quantifiers`);
  }
  return compiled;
}

/** Validates a policy update and merges it over the current policy. */
export function parsePolicy(input: unknown, current: Policy): Policy {
  if (!validatePolicy(input)) {
    const detail = (validatePolicy.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new AppError('invalid_request', `Invalid policy: ${detail}`);
  }
  const update = input as Partial<Policy>;
  for (const pattern of [...(update.allow ?? []), ...(update.deny ?? [])]) checkPattern(pattern);
  return { ...current, ...update };
}

/** The compiled form used on the hot path; compile once per policy version. */
export interface CompiledPolicy {
  allow: RegExp[];
  deny: RegExp[];
  extensionMaxDigits: number;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  return {
    allow: policy.allow.map((p) => new RegExp(p)),
    deny: policy.deny.map((p) => new RegExp(p)),
    extensionMaxDigits: policy.extension_max_digits,
  };
}

function allowed(policy: CompiledPolicy, number: string): boolean {
  return policy.allow.some((re) => re.test(number)) && !policy.deny.some((re) => re.test(number));
}

/** Returns the first number the policy refuses, or undefined when the call may go ahead. */
export function refusedNumber(policy: CompiledPolicy, dialFirst: string, dialSecond: string): string | undefined {
  if (!allowed(policy, dialSecond)) return dialSecond;
  const firstIsExtension = /^[0-9*#]+$/.test(dialFirst) && dialFirst.length <= policy.extensionMaxDigits;
  if (!firstIsExtension && !allowed(policy, dialFirst)) return dialFirst;
  return undefined;
}

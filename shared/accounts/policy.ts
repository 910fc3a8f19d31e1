import { Ajv } from 'ajv';
import { AppError } from '../errors.js';
import { emailAddressProblem, MAX_EMAIL_LENGTH } from '../findme/email-address.js';
import { SMS_NUMBER } from '../findme/sms-fallback.js';
import { PBX_KINDS, type PbxKind } from './pbx-settings.js';
import { checkPattern } from './safe-pattern.js';
import { isEmergencyNumber, isFeatureCode, isServiceCode } from './special-numbers.js';

/** Per-account destination policy and limits (SPEC §4). Patterns are tested against the number as sent. */
export interface Policy {
  /** `dial_second` must match one of these (as dialed or behind the outside-line prefix). */
  allow: string[];
  /** No number on either leg may match one of these, as dialed or behind the outside-line prefix. */
  deny: string[];
  /** What an extension of the PBX looks like: `dial_first` must be one unless `allow_first` says otherwise. */
  extensions: string;
  /** Other numbers `dial_first` may be (e.g. agents' mobiles). Empty: only extensions ring first. */
  allow_first: string[];
  /** Emergency numbers (112, 911, 999, …) on either leg. */
  allow_emergency: boolean;
  /** N11 service codes (411 directory, 611, …) on either leg. */
  allow_service_codes: boolean;
  /** Numbers with `*` or `#` (PBX and network feature codes such as `*72` call forwarding) on either leg. */
  allow_feature_codes: boolean;
  /** Caller-ID numbers the customer has verified, allowed as `first_callerid`/`second_callerid` besides the two numbers dialed. */
  caller_ids: string[];
  rate_per_minute: number;
  max_concurrent: number;
  default_pbx?: PbxKind;
  /** The `From` of the account's no-answer emails (SPEC §9); absent: SMTP_FROM. */
  email_from?: string;
  /** Numbers no-answer SMS are sent from, through the account's SMS gateway; the first is used. */
  sms_from: string[];
  /** No-answer emails the account may send per UTC day. */
  daily_email_cap: number;
  /** No-answer SMS the account may send per UTC day. */
  daily_sms_cap: number;
}

/**
 * Safe by default: the first leg rings one of the PBX's own extensions, the second a national number
 * or an extension. Extensions are 2-6 digits not starting with 0 (trunk and international prefixes)
 * or 9 (the usual outside-line digit); 1xx and 1xxx, the most common numbering, stay extensions, and
 * the short codes among them (112, 118xxx) are refused by the emergency and deny rules, which apply
 * to both legs. International prefixes (`+`, `00`, `011`), premium ranges (NANP 900/976, UK/EU 09xx,
 * 118 directory services), emergency and service numbers and feature codes are refused until the
 * operator widens the policy.
 */
export const DEFAULT_POLICY: Policy = {
  allow: ['^[0-9*#]{1,15}$'],
  deny: ['^\\+', '^00', '^011', '^1?9(00|76)', '^09', '^118'],
  extensions: '^[1-8][0-9]{1,5}$',
  allow_first: [],
  allow_emergency: false,
  allow_service_codes: false,
  allow_feature_codes: false,
  caller_ids: [],
  rate_per_minute: 60,
  max_concurrent: 10,
  sms_from: [],
  daily_email_cap: 100,
  daily_sms_cap: 50,
};

const patterns = { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } } as const;
export const policySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allow: patterns,
    deny: patterns,
    extensions: { type: 'string', minLength: 1, maxLength: 200 },
    allow_first: patterns,
    allow_emergency: { type: 'boolean' },
    allow_service_codes: { type: 'boolean' },
    allow_feature_codes: { type: 'boolean' },
    caller_ids: { type: 'array', maxItems: 1000, uniqueItems: true, items: { type: 'string', pattern: '^\\+?[0-9*#]{1,32}$' } },
    rate_per_minute: { type: 'integer', minimum: 1, maximum: 10000000 },
    max_concurrent: { type: 'integer', minimum: 1, maximum: 10000 },
    default_pbx: { enum: PBX_KINDS },
    email_from: {
      type: ['string', 'null'],
      maxLength: MAX_EMAIL_LENGTH,
      description: 'The From of no-answer emails: one plain address (name@example.com), no display name. null goes back to SMTP_FROM.',
    },
    sms_from: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: SMS_NUMBER.source } },
    daily_email_cap: { type: 'integer', minimum: 0, maximum: 1000000 },
    daily_sms_cap: { type: 'integer', minimum: 0, maximum: 1000000 },
  },
} as const;

const validatePolicy = new Ajv({ allErrors: true }).compile(policySchema);

/** Every field of a policy, defaults first: policies stored before a field existed get its default. */
function complete(stored: Partial<Policy>): Policy {
  const known = Object.entries(stored).filter(([name, value]) => name in policySchema.properties && value !== undefined);
  return { ...DEFAULT_POLICY, ...Object.fromEntries(known) };
}

const patternsOf = (policy: Policy) => [...policy.allow, ...policy.deny, ...policy.allow_first, policy.extensions];

/** Validates a policy update and merges it over the current policy. */
export function parsePolicy(input: unknown, current: Policy): Policy {
  if (input !== null && typeof input === 'object' && 'extension_max_digits' in input) {
    throw new AppError('invalid_request', `Invalid policy: extension_max_digits is replaced by extensions, a pattern of the PBX's extension numbers (default ${DEFAULT_POLICY.extensions})`);
  }
  if (!validatePolicy(input)) {
    const detail = (validatePolicy.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new AppError('invalid_request', `Invalid policy: ${detail}`);
  }
  const update = input as Partial<Record<keyof Policy, unknown>>;
  const fromProblem = typeof update.email_from === 'string' ? emailAddressProblem(update.email_from) : undefined;
  if (fromProblem !== undefined) throw new AppError('invalid_request', `Invalid policy: email_from ${fromProblem}`);
  const merged = complete({ ...current, ...(input as Partial<Policy>) });
  // `email_from: null` removes the account's sender.
  if ((merged.email_from as string | null | undefined) === null) delete merged.email_from;
  // The whole result is checked, so an update also surfaces a stored pattern that is no longer accepted.
  for (const pattern of patternsOf(merged)) checkPattern(pattern);
  return merged;
}

/** The compiled form used on the hot path; compile once per policy version. */
export interface CompiledPolicy {
  allow: RegExp[];
  deny: RegExp[];
  extensions: RegExp;
  allowFirst: RegExp[];
  allowEmergency: boolean;
  allowServiceCodes: boolean;
  allowFeatureCodes: boolean;
  callerIds: ReadonlySet<string>;
}

/**
 * Compiles a stored policy. Its patterns are checked again (cheaply: verdicts are remembered), because
 * a policy stored before this check existed may hold one that backtracks catastrophically; such a
 * policy refuses every call, with a message saying why, rather than stall the process.
 */
export function compilePolicy(stored: Policy): CompiledPolicy {
  const policy = complete(stored);
  const compile = (pattern: string): RegExp => {
    try {
      return checkPattern(pattern);
    } catch (err) {
      throw new AppError('number_not_allowed', `The account's policy holds a pattern this relay no longer accepts; set the policy again. ${(err as Error).message}`);
    }
  };
  return {
    allow: policy.allow.map(compile),
    deny: policy.deny.map(compile),
    extensions: compile(policy.extensions),
    allowFirst: policy.allow_first.map(compile),
    allowEmergency: policy.allow_emergency,
    allowServiceCodes: policy.allow_service_codes,
    allowFeatureCodes: policy.allow_feature_codes,
    callerIds: new Set(policy.caller_ids),
  };
}

/** The number as dialed and, when it starts with the outside-line prefix, the number behind it. */
function formsOf(number: string, outsideLinePrefix: string): string[] {
  const behindPrefix = outsideLinePrefix !== '' && number.startsWith(outsideLinePrefix) && number.length > outsideLinePrefix.length;
  return behindPrefix ? [number, number.slice(outsideLinePrefix.length)] : [number];
}

/** Refused on either leg, whatever the allow lists say. */
function barred(policy: CompiledPolicy, number: string, outsideLinePrefix: string): boolean {
  if (!policy.allowFeatureCodes && isFeatureCode(number)) return true;
  if (!policy.allowEmergency && isEmergencyNumber(number, outsideLinePrefix)) return true;
  if (!policy.allowServiceCodes && isServiceCode(number, outsideLinePrefix)) return true;
  return formsOf(number, outsideLinePrefix).some((form) => policy.deny.some((re) => re.test(form)));
}

const matchesAny = (patterns: RegExp[], forms: string[]) => forms.some((form) => patterns.some((re) => re.test(form)));

/**
 * Returns the first number the policy refuses, or undefined when the call may go ahead.
 * `outsideLinePrefix` is the connection's `outside_line_prefix` (e.g. `9`): the digits the PBX needs
 * before an outside number, behind which deny patterns and short codes are checked too.
 */
export function refusedNumber(policy: CompiledPolicy, dialFirst: string, dialSecond: string, outsideLinePrefix = ''): string | undefined {
  if (barred(policy, dialSecond, outsideLinePrefix) || !matchesAny(policy.allow, formsOf(dialSecond, outsideLinePrefix))) return dialSecond;
  const firstAllowed = policy.extensions.test(dialFirst) || matchesAny(policy.allowFirst, formsOf(dialFirst, outsideLinePrefix));
  if (!firstAllowed || barred(policy, dialFirst, outsideLinePrefix)) return dialFirst;
  return undefined;
}

import { Ajv } from 'ajv';
import { AppError } from '../../shared/errors.js';
import { isPbxKind, type PbxKind } from '../../shared/accounts/pbx-settings.js';

/** A Click-2-Call request after validation and normalisation (SPEC §2). */
export interface Click2CallRequest {
  dialFirst: string;
  dialSecond: string;
  dialAs: string;
  pbx: PbxKind | undefined;
  timeout: number;
  wait: number | undefined;
  idempotencyKey: string | undefined;
}

const NUMBER = /^\+?[0-9*#]{1,32}$/;
// Characters people paste around phone numbers; everything else must already be a digit, *, # or a leading +.
const FORMATTING = /[ \-.()]/g;

const schema = {
  type: 'object',
  required: ['dial_first', 'dial_second'],
  properties: {
    dial_first: { type: 'string', pattern: NUMBER.source },
    dial_second: { type: 'string', pattern: NUMBER.source },
    dial_as: { type: 'string', pattern: NUMBER.source },
    pbx: { type: 'string', enum: ['asterisk', 'switchvox', 'other'] },
    timeout: { type: 'string', pattern: '^[0-9]{1,3}$' },
    wait: { type: 'string', pattern: '^[0-9]{1,3}$' },
    idempotency_key: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(schema);

const MESSAGES: Record<string, string> = {
  dial_first: 'dial_first must be a phone number: digits, optionally a leading +, * and # (spaces, dashes, dots and brackets are ignored), at most 32',
  dial_second: 'dial_second must be a phone number: digits, optionally a leading +, * and # (spaces, dashes, dots and brackets are ignored), at most 32',
  dial_as: 'dial_as must be an extension number: digits, optionally a leading +, * and #',
  pbx: 'pbx must be one of asterisk, switchvox, other',
  timeout: 'timeout must be a whole number of seconds from 1 to 120',
  wait: 'wait must be a whole number of seconds from 0 to 130',
  idempotency_key: 'idempotency_key must be 1-128 printable ASCII characters',
};

/** Takes one value per field: the first when a parameter repeats; non-strings are ignored. */
function scalar(value: unknown): string | undefined {
  if (Array.isArray(value)) return scalar(value[0]);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? value : undefined;
}

function normaliseNumber(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.replace(FORMATTING, '');
}

/**
 * Validates the merged query/body fields. Unknown parameters are ignored; `dail_as` is accepted as
 * an alias of `dial_as`. Throws one `invalid_request` naming every bad field.
 */
export function parseClick2Call(fields: Record<string, unknown>, maxWaitSeconds = 130): Click2CallRequest {
  const input: Record<string, string> = {};
  const take = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') input[name] = value;
  };
  take('dial_first', normaliseNumber(scalar(fields.dial_first)));
  take('dial_second', normaliseNumber(scalar(fields.dial_second)));
  take('dial_as', normaliseNumber(scalar(fields.dial_as) ?? scalar(fields.dail_as)));
  take('pbx', scalar(fields.pbx)?.toLowerCase());
  take('timeout', scalar(fields.timeout));
  take('wait', scalar(fields.wait));
  take('idempotency_key', scalar(fields.idempotency_key));

  const problems = new Set<string>();
  if (!validate(input)) {
    for (const error of validate.errors ?? []) {
      const field = error.keyword === 'required' ? String(error.params.missingProperty) : error.instancePath.slice(1);
      problems.add(error.keyword === 'required' ? `${field} is required` : (MESSAGES[field] ?? `${field} is invalid`));
    }
  }
  const timeout = input.timeout === undefined ? 30 : Number(input.timeout);
  if (input.timeout !== undefined && (timeout < 1 || timeout > 120)) problems.add(MESSAGES.timeout as string);
  const wait = input.wait === undefined ? undefined : Number(input.wait);
  if (wait !== undefined && wait > maxWaitSeconds) problems.add(MESSAGES.wait as string);
  if (problems.size > 0) throw new AppError('invalid_request', [...problems].join('; '));

  const dialFirst = input.dial_first as string;
  return {
    dialFirst,
    dialSecond: input.dial_second as string,
    dialAs: input.dial_as ?? dialFirst,
    pbx: isPbxKind(input.pbx) ? input.pbx : undefined,
    timeout,
    wait,
    idempotencyKey: input.idempotency_key,
  };
}

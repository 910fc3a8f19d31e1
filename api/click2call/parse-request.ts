import { Ajv } from 'ajv';
import { AppError } from '../../shared/errors.js';
import { isPbxKind, type PbxKind } from '../../shared/accounts/pbx-settings.js';
import { CALL_OPTION_MESSAGES, CALL_OPTION_PROPERTIES, readCallOptions, takeCallOptionFields, type CallOptions } from '../call-options/call-options.js';
import { FieldInput, NUMBER_PATTERN, scalar, schemaProblems } from '../call-options/field-values.js';

/** A Click-2-Call request after validation and normalisation (SPEC §2 and §8). */
export interface Click2CallRequest {
  dialFirst: string;
  dialSecond: string;
  dialAs: string;
  pbx: PbxKind | undefined;
  options: CallOptions;
}

const number = { type: 'string', pattern: NUMBER_PATTERN } as const;

export const schema = {
  type: 'object',
  required: ['dial_first', 'dial_second'],
  properties: {
    dial_first: number,
    dial_second: number,
    dial_as: number,
    pbx: { type: 'string', enum: ['asterisk', 'switchvox', 'other'] },
    ...CALL_OPTION_PROPERTIES,
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(schema);

const NUMBER_MESSAGE = 'must be a phone number: digits, optionally a leading +, * and # (spaces, dashes, dots and brackets are ignored), at most 32';

const MESSAGES: Record<string, string> = {
  dial_first: `dial_first ${NUMBER_MESSAGE}`,
  dial_second: `dial_second ${NUMBER_MESSAGE}`,
  dial_as: 'dial_as must be an extension number: digits, optionally a leading +, * and #',
  pbx: 'pbx must be one of asterisk, switchvox, other',
  ...CALL_OPTION_MESSAGES,
};

/**
 * Validates the merged query/body fields. Unknown parameters are ignored; `dail_as` is accepted as
 * an alias of `dial_as`. Throws one `invalid_request` naming every bad field.
 */
export function parseClick2Call(fields: Record<string, unknown>): Click2CallRequest {
  const input = new FieldInput();
  input.takeNumber('dial_first', fields.dial_first);
  input.takeNumber('dial_second', fields.dial_second);
  input.takeNumber('dial_as', fields.dial_as ?? fields.dail_as);
  input.take('pbx', scalar(fields.pbx)?.toLowerCase());
  takeCallOptionFields(fields, input);

  const problems = new Set<string>();
  if (!validate(input.values)) schemaProblems(validate.errors, MESSAGES, problems);
  const options = readCallOptions(input.values, problems);
  if (problems.size > 0) throw new AppError('invalid_request', [...problems].join('; '));

  const dialFirst = input.values.dial_first as string;
  return {
    dialFirst,
    dialSecond: input.values.dial_second as string,
    dialAs: input.values.dial_as ?? dialFirst,
    pbx: isPbxKind(input.values.pbx) ? input.values.pbx : undefined,
    options,
  };
}

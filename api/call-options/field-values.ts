/** How every entry point reads raw query/body fields: one value per field, numbers as people paste them. */

/** A phone number or extension after normalisation (SPEC §2). */
export const NUMBER_PATTERN = '^\\+?[0-9*#]{1,32}$';

/** Free text (page, ref): any characters but control characters, which could end a protocol line. */
export const FREE_TEXT_PATTERN = '^[^\\x00-\\x1f\\x7f]*$';

// Characters people paste around phone numbers; everything else must already be a digit, *, # or a leading +.
const FORMATTING = /[ \-.()]/g;

/** Takes one value per field: the first when a parameter repeats; non-strings are ignored. */
export function scalar(value: unknown): string | undefined {
  if (Array.isArray(value)) return scalar(value[0]);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? value : undefined;
}

export function normaliseNumber(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.replace(FORMATTING, '');
}

/** Collects the present, non-empty fields to validate, by name. */
export class FieldInput {
  readonly values: Record<string, string> = {};

  take(name: string, value: string | undefined): void {
    if (value !== undefined && value !== '') this.values[name] = value;
  }

  takeNumber(name: string, value: unknown): void {
    this.take(name, normaliseNumber(scalar(value)));
  }
}

interface AjvErrorLike {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

/** One readable problem per bad field, from ajv's errors and the fields' messages. */
export function schemaProblems(errors: AjvErrorLike[] | null | undefined, messages: Record<string, string>, problems: Set<string>): void {
  for (const error of errors ?? []) {
    if (error.keyword === 'required') {
      problems.add(`${String(error.params.missingProperty)} is required`);
      continue;
    }
    const field = error.instancePath.slice(1);
    problems.add(messages[field] ?? `${field} is invalid`);
  }
}

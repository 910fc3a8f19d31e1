import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import { jsonContent, ref, type Json } from './schema-tools.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** The catalogue of shared/errors.ts as a schema: every stable code, its HTTP status and its default message. */
export function errorCodeSchema(): Json {
  const rows = CODES.map((code) => `| \`${code}\` | ${ERROR_CODES[code].http} | ${ERROR_CODES[code].message} |`);
  return {
    type: 'string',
    enum: CODES,
    description: [
      'A stable error code. The public Click-2-Call API always answers HTTP 200 and carries the code in `response.errors`;',
      'the admin API and the status URL answer with the HTTP status listed here.',
      '',
      '| code | HTTP status | default message |',
      '|---|---|---|',
      ...rows,
    ].join('\n'),
  };
}

/** `{"error":{"code","message"}}`: the body of every admin API and status URL error. */
export const HTTP_ERROR_SCHEMA: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: ref('ErrorCode'), message: { type: 'string', description: 'Safe to show; for PBX errors, the PBX text verbatim.' } },
    },
  },
};

/** Codes every route with a body or a Redis read can answer with, besides its own. */
const ALWAYS: ErrorCode[] = ['service_unavailable', 'internal_error'];

/**
 * The error responses of an operation, grouped by the HTTP status each code has in the catalogue,
 * so a code's status is stated once (in shared/errors.ts) and never retyped here.
 */
export function errorResponses(codes: ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, ...ALWAYS]) {
    const status = ERROR_CODES[code].http;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, grouped]) => [
      String(status),
      { description: grouped.map((code) => `\`${code}\``).join(', '), content: jsonContent(ref('HttpError')) },
    ]),
  );
}

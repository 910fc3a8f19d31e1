/**
 * The channel variables the relay sets with the Originate (asterisk-ami.md §3.1, §5.2–§5.3). Names
 * are fixed here, never taken from a request; values are escaped for the parser Asterisk runs on
 * every `Variable:` header, so free text arrives in the dialplan byte for byte.
 */
import { AppError } from '../../../shared/errors.js';
import type { PlaceCall } from '../pbx-driver.js';
import { type AmiHeader, MAX_LINE_BYTES } from './ami-codec.js';

/**
 * The `__` prefix makes Asterisk copy a variable to every channel the call creates from then on:
 * leg 1's two Local halves get all variables anyway, but leg 2 is a channel that leg 1's Dial()
 * creates, and only inherited variables reach it (and the dialplan that routes it).
 */
export const VARIABLE_NAMES = {
  id: '__C2C_ID',
  page: '__C2C_PAGE',
  ref: '__C2C_REF',
  /** FreePBX's outbound caller ID override (macro-outbound-callerid), read where leg 2 leaves by a trunk. */
  trunkCallerId: '__TRUNKCIDOVERRIDE',
} as const;

/**
 * Escapes a value for manager.c's `Variable` handling: the header is split into `name=value` pairs
 * by `__ast_app_separate_args(…, ',', remove_chars=1, …)`, which drops every `"` (quote toggle) and
 * every `\` (escape), and splits at a `,` outside quotes, parentheses and brackets. A backslash
 * before a character makes the parser skip it, so escaping `\`, `"` and `,` is exactly enough:
 * parentheses and brackets only decide whether a comma splits, and no unescaped comma is left.
 * Nothing else is interpreted: `${…}` is stored as written and `=` only splits at the first one,
 * which belongs to the fixed name.
 */
export function escapeVariableValue(value: string): string {
  return value.replace(/[\\",]/g, '\\$&');
}

/** One `Variable:` header for one fixed name; refuses a value that cannot fit on one AMI line. */
export function variableHeader(name: string, value: string, parameter: string): AmiHeader {
  const header: AmiHeader = ['Variable', `${name}=${escapeVariableValue(value)}`];
  const bytes = Buffer.byteLength(`${header[0]}: ${header[1]}\r\n`, 'utf8');
  if (bytes > MAX_LINE_BYTES) {
    throw new AppError(
      'invalid_request',
      `${parameter} is too long for Asterisk: escaped and encoded as UTF-8 it needs ${bytes} bytes on an AMI line, which holds ${MAX_LINE_BYTES}.`,
    );
  }
  return header;
}

/** C2C_ID always; C2C_PAGE and C2C_REF when asked for; FreePBX's trunk caller ID for second_callerid. */
export function callVariables(call: PlaceCall, freepbx: boolean): AmiHeader[] {
  const headers: AmiHeader[] = [variableHeader(VARIABLE_NAMES.id, call.requestId, 'request id')];
  if (call.page !== undefined) headers.push(variableHeader(VARIABLE_NAMES.page, call.page, 'page'));
  if (call.ref !== undefined) headers.push(variableHeader(VARIABLE_NAMES.ref, call.ref, 'ref'));
  if (freepbx && call.secondCallerId !== undefined) {
    headers.push(variableHeader(VARIABLE_NAMES.trunkCallerId, call.secondCallerId, 'second_callerid'));
  }
  return headers;
}

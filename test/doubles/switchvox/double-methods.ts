/**
 * The API methods the double serves, as pure functions over a seeded directory: validation order,
 * error codes and result shapes follow protocols/switchvox.md §6, §8, §9 and §13.
 */

export interface DoubleExtension {
  number: string;
  account_id: string;
  display: string;
  type?: string;
  /** "Call API settings": prefix added to 10/11-digit numbers unless `ignore_user_api_settings=1`. */
  callApiPrefix?: string;
}

/** What the first leg does when this number is dialled (as dial_first, or as a dial_second the PBX refuses). */
export type FirstLegScript =
  | { outcome: 'answer'; afterSeconds?: number }
  | { outcome: 'no_answer' }
  | { outcome: 'busy'; afterSeconds?: number }
  | { outcome: 'error'; code: string; message: string; afterSeconds?: number };

export interface ApiError {
  code: string;
  message: string;
}

export type MethodAnswer = { result: Record<string, unknown> } | { errors: ApiError[] };

/** A call's answer and how many (unscaled) seconds the PBX holds the request before giving it. */
export interface CallPlan {
  holdSeconds: number;
  answer: MethodAnswer;
}

export type EmptyGetInfoShape = 'object' | 'string' | 'absent';

export const ERRORS = {
  notStructured: { code: '74151', message: 'Your json request is not structured correctly.' },
  originateFailed: { code: '41591', message: 'Your call failed to connect (Originate failed).' },
  invalidAccount: { code: '84711', message: 'That account_id is invalid.' },
  // No source shows these; the double invents them (codes 9xxxx) and says so in the message.
  unknownMethod: (method: string) => ({ code: '99001', message: `Invalid method (${method}). [invented by the double]` }),
  permissionDenied: { code: '99002', message: 'You do not have access to this method. [invented by the double]' },
  outOfRange: (name: string, value: string) => ({ code: '99003', message: `Invalid ${name} (${value}). [invented by the double]` }),
  emptyRequest: { code: '99004', message: 'The request was empty. [invented by the double]' },
} as const;

const missing = (name: string): ApiError => ({ code: '10011', message: `Missing required parameter (${name})` });
const invalidExtension = (n: string): ApiError => ({
  code: '10010',
  message: `Invalid extension (${n}). Extensions may only contain digits or *.`,
});
const invalidAccountId = (id: string): ApiError => ({
  code: '10014',
  message: `Invalid account_id (${id}). Account_ids may only contain digits.`,
});

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** Lists arrive as a flat array, as the XML-shaped `{extension: […]}`, or as a single scalar. */
function listParameter(value: unknown, itemKey: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const inner = typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[itemKey] : value;
  const items = Array.isArray(inner) ? inner : [inner];
  return items.map((item) => text(item) ?? '');
}

/** `variables` items as the box echoes them in call_info: one key per `name=value` (the value is all after the first `=`). */
function receivedVariables(value: unknown): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const item of listParameter(value, 'variable') ?? []) {
    const equals = item.indexOf('=');
    if (equals > 0) variables[item.slice(0, equals)] = item.slice(equals + 1);
  }
  return variables;
}

function render(ext: DoubleExtension): Record<string, string> {
  const [first = '', ...last] = ext.display.split(' ');
  return {
    number: ext.number,
    account_id: ext.account_id,
    status: '1',
    can_dial_from_ivr: '1',
    display: ext.display,
    date_created: '2023-03-01 09:30:00',
    type: ext.type ?? 'sip',
    type_display: 'SIP Extension',
    first_name: first,
    last_name: last.join(' '),
    email_address: '',
    template_id: '1',
    template_name: 'Default',
  };
}

export function getInfo(
  parameters: Record<string, unknown>,
  directory: DoubleExtension[],
  emptyShape: EmptyGetInfoShape,
): MethodAnswer {
  const extensions = listParameter(parameters.extensions, 'extension');
  const accountIds = listParameter(parameters.account_ids, 'account_id');
  if (extensions === undefined && accountIds === undefined) {
    return {
      errors: [
        {
          code: '10013',
          message: 'Invalid number of parameters. At least one of the following parameters is required : (extensions,account_ids)',
        },
      ],
    };
  }
  const errors = [
    ...(extensions ?? []).filter((n) => !/^[0-9*]+$/.test(n)).map(invalidExtension),
    ...(accountIds ?? []).filter((id) => !/^[0-9]+$/.test(id)).map(invalidAccountId),
  ];
  if (errors.length > 0) return { errors };
  // Unknown numbers are left out silently: the caller learns "not found" only from their absence.
  const found = directory.filter((e) => extensions?.includes(e.number) || accountIds?.includes(e.account_id));
  if (found.length > 0) return { result: { extensions: { extension: found.map(render) } } };
  if (emptyShape === 'absent') return { result: {} };
  return { result: { extensions: emptyShape === 'object' ? {} : '' } };
}

function applyCallApiSettings(number: string, account: DoubleExtension, ignore: boolean): string {
  if (ignore || account.callApiPrefix === undefined || !/^\d{10,11}$/.test(number)) return number;
  return `${account.callApiPrefix}${number}`;
}

export function planCall(
  parameters: Record<string, unknown>,
  directory: DoubleExtension[],
  scriptFor: (dialFirst: string, dialSecond: string) => FirstLegScript,
): CallPlan {
  const immediate = (errors: ApiError[]): CallPlan => ({ holdSeconds: 0, answer: { errors } });
  const dialFirst = text(parameters.dial_first) ?? '';
  const dialSecond = text(parameters.dial_second) ?? '';
  const accountId = text(parameters.dial_as_account_id) ?? '';
  const absent = (['dial_first', 'dial_second', 'dial_as_account_id'] as const).filter(
    (name) => (text(parameters[name]) ?? '') === '',
  );
  if (absent.length > 0) return immediate(absent.map(missing));

  const timeoutText = text(parameters.timeout) ?? '30';
  const timeout = Number(timeoutText);
  const callerIdName = text(parameters.caller_id_name) ?? 'PBX';
  const invalid: ApiError[] = [];
  if (!/^\d+$/.test(timeoutText) || timeout > 999) invalid.push(ERRORS.outOfRange('timeout', timeoutText));
  if (callerIdName.length > 20) invalid.push(ERRORS.outOfRange('caller_id_name', callerIdName));
  for (const number of [dialFirst, dialSecond]) {
    if (!/^\+?[0-9*#]+$/.test(number)) invalid.push(ERRORS.outOfRange('number', number));
  }
  if (invalid.length > 0) return immediate(invalid);

  const account = directory.find((e) => e.account_id === accountId);
  if (account === undefined) return immediate([ERRORS.invalidAccount]);

  const script = scriptFor(dialFirst, dialSecond);
  const failed = (holdSeconds: number): CallPlan => ({ holdSeconds, answer: { errors: [ERRORS.originateFailed] } });
  switch (script.outcome) {
    case 'no_answer':
      return failed(timeout);
    case 'busy':
      return failed(script.afterSeconds ?? 1);
    case 'error':
      return { holdSeconds: script.afterSeconds ?? 0, answer: { errors: [{ code: script.code, message: script.message }] } };
    case 'answer': {
      const after = script.afterSeconds ?? 0;
      if (after > timeout) return failed(timeout);
      const ignore = text(parameters.ignore_user_api_settings) === '1';
      const callInfo = {
        dialed_first: applyCallApiSettings(dialFirst, account, ignore),
        dialed_second: applyCallApiSettings(dialSecond, account, ignore),
        variables: receivedVariables(parameters.variables),
      };
      return { holdSeconds: after, answer: { result: { call_info: callInfo } } };
    }
  }
}

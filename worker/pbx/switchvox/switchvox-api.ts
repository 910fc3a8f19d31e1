/**
 * The Switchvox Extend API's JSON wire format, with no I/O: request envelopes, the classification of
 * answers and the few result shapes the relay reads. See protocols/switchvox.md §5, §6, §8, §12.
 */

export interface SwitchvoxEnvelope {
  request: {
    method: string;
    parameters: Record<string, unknown>;
    /** Echoed back by the PBX; the relay uses its request id for log correlation (no de-duplication). */
    transaction_id?: string;
  };
}

export interface SwitchvoxApiError {
  code: string;
  message: string;
}

export type SwitchvoxOutcome =
  | { kind: 'ok'; result: unknown; document: unknown }
  | { kind: 'api_error'; errors: SwitchvoxApiError[]; document: unknown }
  | { kind: 'http_error'; status: number; excerpt: string }
  | { kind: 'protocol_error'; reason: string; excerpt: string };

export interface CallParameters {
  dialFirst: string;
  dialSecond: string;
  dialAsAccountId: string;
  timeoutSeconds: number;
  /** Shown to the dial_first party; Switchvox allows at most 20 characters. */
  callerIdName?: string;
  /** IVR variables (`name=value` items), for a leg that reaches an IVR that reads them. */
  variables?: Record<string, string>;
}

const EXCERPT_LENGTH = 500;

/** A single XML element becomes an object in Switchvox JSON, repeats become an array: read both alike. */
export function asArray<T>(value: T | T[] | undefined | null | ''): T[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

function envelope(method: string, parameters: Record<string, unknown>, transactionId?: string): SwitchvoxEnvelope {
  return {
    request: { method, parameters, ...(transactionId === undefined ? {} : { transaction_id: transactionId }) },
  };
}

/** The flat-array list form is what Digium's own client and other working clients send (§5.1). */
export function buildGetInfoRequest(extension: string, transactionId?: string): SwitchvoxEnvelope {
  return envelope('switchvox.extensions.getInfo', { extensions: [extension] }, transactionId);
}

/** Numbers go as strings so a leading 0, `*` or `+` survives; only documented parameters are sent. */
export function buildCallRequest(call: CallParameters, transactionId?: string): SwitchvoxEnvelope {
  return envelope(
    'switchvox.call',
    {
      dial_first: call.dialFirst,
      dial_second: call.dialSecond,
      dial_as_account_id: call.dialAsAccountId,
      timeout: String(call.timeoutSeconds),
      ...(call.callerIdName === undefined ? {} : { caller_id_name: call.callerIdName }),
      // The flat list form, like `extensions`; the value is everything after the first `=`.
      ...(call.variables === undefined ? {} : { variables: Object.entries(call.variables).map(([name, value]) => `${name}=${value}`) }),
    },
    transactionId,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Old boxes send numbers where new ones send strings; everything is compared as a string. */
function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** An error element; `message`/`code` are attributes in XML, so they may come in any key order. */
function toApiError(value: unknown): SwitchvoxApiError {
  const record = isRecord(value) ? value : {};
  return { code: scalar(record.code), message: scalar(record.message) };
}

/**
 * §5.2: HTTP ≠ 200 is a transport answer; a 200 body with `response.errors` is an API error, with
 * `response.result` a success; anything else is a protocol error (the excerpt helps the operator).
 */
export function classifyResponse(status: number, body: string): SwitchvoxOutcome {
  const excerpt = body.slice(0, EXCERPT_LENGTH);
  if (status !== 200) return { kind: 'http_error', status, excerpt };
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { kind: 'protocol_error', reason: 'the answer is not valid JSON', excerpt };
  }
  const response = isRecord(document) ? document.response : undefined;
  if (!isRecord(response)) return { kind: 'protocol_error', reason: 'the answer has no "response" object', excerpt };
  if (response.errors !== undefined) {
    const errors = isRecord(response.errors) ? asArray(response.errors.error).map(toApiError) : [];
    if (errors.length === 0) errors.push({ code: '', message: 'unspecified error' });
    return { kind: 'api_error', errors, document };
  }
  if ('result' in response) return { kind: 'ok', result: response.result, document };
  return { kind: 'protocol_error', reason: 'the answer has neither "result" nor "errors"', excerpt };
}

/** `Your call failed to connect (Originate failed). (code 41591)`; several errors are joined with "; ". */
export function describeApiErrors(errors: SwitchvoxApiError[]): string {
  return errors.map((e) => (e.code === '' ? e.message : `${e.message} (code ${e.code})`)).join('; ');
}

/**
 * The account id of `extension` in a getInfo result, or undefined when the PBX left it out (it omits
 * unknown extensions silently, and an empty list may render as `{}`, `""` or nothing at all).
 */
export function accountIdFromGetInfo(result: unknown, extension: string): string | undefined {
  const extensions = isRecord(result) ? result.extensions : undefined;
  const list = isRecord(extensions) ? asArray(extensions.extension) : [];
  for (const entry of list) {
    if (!isRecord(entry) || scalar(entry.number) !== extension) continue;
    const accountId = scalar(entry.account_id);
    if (accountId !== '') return accountId;
  }
  return undefined;
}

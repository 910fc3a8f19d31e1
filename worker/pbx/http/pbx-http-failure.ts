/**
 * The one translation of PBX HTTP failures into AppErrors, with the one rule that decides what a
 * failed call request means:
 *
 *   Once the first byte of the call request has been written to the connection, every failure
 *   (timeout, reset, an answer over the size cap, a connection dropped mid-answer, and a gateway
 *   error where the caller says one means "forwarded") is outcome-unknown: the PBX may have placed
 *   the call, so it is never reported failed and never retried (a retry would ring twice). Only
 *   failures before that byte (DNS, refused connection, TLS handshake, the address guard) are
 *   definite, and so are answers the PBX gave itself (a refused login, a refusal).
 *
 * Whether the first byte was written comes from the socket (FirstByteWatch), never from guessing
 * at error codes; the codes only choose the words of the message.
 */
import { AppError } from '../../../shared/errors.js';
import { asPrivateAddressRefusal } from './address-policy.js';
import { AnswerTooLarge } from './http-exchange.js';

export type PbxRequestPurpose = 'call' | 'lookup' | 'check';

export interface FailureContext {
  purpose: PbxRequestPurpose;
  firstByteWritten: boolean;
  /** The request's own deadline fired. */
  timedOut: boolean;
  timeoutMs: number;
  /** host:port, for messages (never the whole URL: it may hold secrets). */
  host: string;
  maxResponseBytes: number;
  tls: { pinned: boolean; pinnable: boolean };
}

export function translateFailure(err: unknown, context: FailureContext): AppError {
  const refused = asPrivateAddressRefusal(err);
  if (refused !== undefined) return refused;
  const cause = lowLevelCause(err);
  if (context.firstByteWritten) {
    const code = context.timedOut ? 'pbx_timeout' : 'pbx_unreachable';
    const reason = afterFirstByte(err, context);
    if (context.purpose === 'call') return callOutcomeUnknown(code, reason, cause);
    return new AppError(code, `${reason}.`, { cause });
  }
  const reason = context.timedOut ? `no connection within ${context.timeoutMs} ms` : beforeFirstByte(err, context);
  return new AppError('pbx_unreachable', `Cannot reach the PBX at ${context.host}: ${reason}.`, { cause });
}

/** A call request the PBX may have acted on: `reason` says what went wrong after it was sent. */
export function callOutcomeUnknown(code: 'pbx_timeout' | 'pbx_unreachable', reason: string, cause?: unknown): AppError {
  return new AppError(code, `${reason} after the call request was sent; the call may have been placed, so it was not retried.`, {
    ...(cause === undefined ? {} : { cause }),
    outcomeUnknown: true,
  });
}

function errorCode(err: unknown): string {
  const record = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = record?.cause?.code ?? record?.code;
  return typeof code === 'string' ? code : '';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The socket-level error, without anything of the request (its headers or body may hold secrets). */
function lowLevelCause(err: unknown): Error {
  const inner = (err as { cause?: unknown } | null)?.cause;
  if (inner instanceof Error) return inner;
  return Object.assign(new Error(errorMessage(err)), { code: errorCode(err) });
}

function afterFirstByte(err: unknown, context: FailureContext): string {
  if (context.timedOut) return `The PBX did not answer within ${context.timeoutMs} ms`;
  if (err instanceof AnswerTooLarge) return `The PBX's answer was larger than ${context.maxResponseBytes} bytes`;
  const message = errorMessage(err);
  if (/aborted/i.test(message)) return 'The PBX connection broke off in the middle of the answer';
  const code = errorCode(err);
  if (code.startsWith('HPE_')) return `The PBX's answer is not valid HTTP (${code})`;
  return `The PBX closed the connection (${code || message || 'network error'})`;
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

function beforeFirstByte(err: unknown, context: FailureContext): string {
  const code = errorCode(err);
  const { host, tls } = context;
  if (UNTRUSTED.has(code)) {
    if (tls.pinned) return `certificate not trusted: it is not signed by the CA pinned in ca_pem (${code})`;
    return tls.pinnable ? `certificate not trusted: pin the PBX CA in ca_pem (${code})` : `certificate not trusted (${code})`;
  }
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'the PBX certificate has expired';
    case 'CERT_NOT_YET_VALID':
      return 'the PBX certificate is not valid yet (check the clocks)';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the certificate's name does not match ${host}${tls.pinnable ? ': pin the PBX CA in ca_pem (its name is then not checked)' : ''}`;
    case 'ECONNREFUSED':
      return `connection refused by ${host}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name of ${host} could not be resolved`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no network route to ${host}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the PBX closed the connection before the request was sent';
    default:
      if (code === 'EPROTO' || code.startsWith('ERR_SSL')) return `TLS handshake failed: ${errorMessage(err)}`;
      return errorMessage(err) || 'network error';
  }
}

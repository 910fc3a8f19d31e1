/**
 * The connection side of the Switchvox driver: one keep-alive agent per PBX with the TLS policy of
 * protocols/switchvox.md §10, and the translation of socket/TLS failures into plain-worded AppErrors.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { SwitchvoxSettings } from '../../../shared/accounts/pbx-settings.js';
import { AppError } from '../../../shared/errors.js';

export type RequestPurpose = 'lookup' | 'call';

const IDLE_SOCKET_MS = 4_000;

/**
 * TLS policy:
 * - `ca_pem` given: trust that CA alone (not the public roots) and skip only the host-name check.
 *   Each Switchvox box mints its own "Switchvox Managed CA" that signs nothing but that box's web
 *   certificate, so a chain ending at the pinned CA already identifies the box; the leaf's names often
 *   do not match, because boxes are reached by IP or by a name other than the one they minted.
 * - no `ca_pem`: Node's public roots and the normal host-name check (boxes with a real certificate).
 * - `tls_verify: false`: an explicit, per-driver lab opt-out, logged once when the driver is made.
 *   Verification is never turned off any other way (and never process-wide).
 */
export function createAgent(settings: SwitchvoxSettings, logger: Logger): http.Agent {
  // Idle pooled sockets are closed before the box is likely to close them: a call written into a socket
  // the PBX already dropped would fail, and a call may never be retried. Busy sockets use the request timeout.
  const pool = { keepAlive: true, timeout: IDLE_SOCKET_MS };
  const isHttps = new URL(settings.url).protocol === 'https:';
  if (!isHttps) {
    logger.warn('switchvox url is plain http: credentials and calls travel unencrypted');
    return new http.Agent(pool);
  }
  if (!settings.tls_verify) {
    logger.warn('switchvox tls_verify is false: the PBX certificate is not checked (lab use only)');
  }
  const pinned = settings.ca_pem !== undefined && settings.ca_pem !== '';
  return new https.Agent({
    ...pool,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: settings.tls_verify,
    ...(pinned ? { ca: settings.ca_pem, checkServerIdentity: () => undefined } : {}),
  });
}

/** One line for `test()`: how the TLS connection is trusted. */
export function describeTrust(settings: SwitchvoxSettings): string {
  if (new URL(settings.url).protocol !== 'https:') return 'plain HTTP (unencrypted)';
  if (!settings.tls_verify) return 'HTTPS without certificate verification';
  return settings.ca_pem ? 'HTTPS with the pinned CA' : 'HTTPS with a publicly trusted certificate';
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

function errorCode(err: unknown): string {
  const record = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = record?.code ?? record?.cause?.code;
  return typeof code === 'string' ? code : '';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function tlsReason(code: string, pinned: boolean, host: string): string | undefined {
  if (UNTRUSTED.has(code)) {
    return pinned
      ? `certificate not trusted: it is not signed by the CA pinned in ca_pem (${code})`
      : `certificate not trusted: pin the PBX CA in ca_pem (${code})`;
  }
  if (code === 'CERT_HAS_EXPIRED') return 'the PBX certificate has expired';
  if (code === 'CERT_NOT_YET_VALID') return 'the PBX certificate is not valid yet (check the clocks)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the certificate's name does not match ${host}: pin the PBX CA in ca_pem (its name is then not checked)`;
  }
  return undefined;
}

function socketReason(code: string, err: unknown, host: string): string {
  switch (code) {
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
      return 'the PBX closed the connection';
    default:
      if (code === 'EPROTO' || code.startsWith('ERR_SSL')) return `TLS handshake failed: ${errorMessage(err)}`;
      return errorMessage(err) || 'network error';
  }
}

function isClientTimeout(err: unknown): boolean {
  return /^timeout of \d+ms exceeded/.test(errorMessage(err));
}

/** Turns whatever axios threw into pbx_timeout or pbx_unreachable, keeping the original as `cause`. */
export function transportError(err: unknown, purpose: RequestPurpose, url: string, pinned: boolean): AppError {
  const { host } = new URL(url);
  if (isClientTimeout(err)) {
    const message =
      purpose === 'call'
        ? 'The PBX did not answer the call request in time; the call may still be ringing, so it was not retried.'
        : `The PBX at ${host} did not answer in time.`;
    return new AppError('pbx_timeout', message, { cause: err, outcomeUnknown: purpose === 'call' });
  }
  const code = errorCode(err);
  const reason = tlsReason(code, pinned, host) ?? socketReason(code, err, host);
  // Once the call request may have left, a lost connection leaves the outcome unknown: say so.
  const sentCall = purpose === 'call' && (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(errorMessage(err)));
  const afterSend = sentCall ? ' after the call request was sent; the call may have been placed, so it was not retried' : '';
  return new AppError('pbx_unreachable', `Cannot reach the PBX at ${host}: ${reason}${afterSend}.`, { cause: err, outcomeUnknown: sentCall });
}

/**
 * The connection pool of one PBX HTTP client: keep-alive, the TLS policy and the address guard.
 */
import http from 'node:http';
import https from 'node:https';
import { lookupFor, type AddressPolicy } from './address-policy.js';

export interface PbxTls {
  /** false: an explicit lab opt-out (Switchvox `tls_verify`); never turned off any other way. */
  verify: boolean;
  /** A pinned CA (Switchvox `ca_pem`): trusted alone, instead of the public roots. */
  caPem?: string | undefined;
}

// Idle pooled sockets are closed before the PBX is likely to close them: a call written into a socket
// the PBX already dropped fails after its first byte was written, which leaves its outcome unknown.
const IDLE_SOCKET_MS = 4_000;

/**
 * TLS policy:
 * - `caPem` given: trust that CA alone (not the public roots) and skip only the host-name check. A
 *   Switchvox box mints its own CA that signs nothing but that box's web certificate, so a chain
 *   ending at the pinned CA already identifies the box; the leaf's names often do not match, because
 *   boxes are reached by IP or by a name other than the one they minted.
 * - no `caPem`: Node's public roots and the normal host-name check.
 * - `verify: false`: no verification at all (the caller logs that it was asked for).
 */
export function createPbxAgent(protocol: 'http:' | 'https:', tls: PbxTls, policy: AddressPolicy): http.Agent {
  const lookup = lookupFor(policy);
  const pool = { keepAlive: true, timeout: IDLE_SOCKET_MS, ...(lookup === undefined ? {} : { lookup }) };
  if (protocol === 'http:') return new http.Agent(pool);
  const pinned = tls.caPem !== undefined && tls.caPem !== '';
  return new https.Agent({
    ...pool,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: tls.verify,
    ...(pinned ? { ca: tls.caPem, checkServerIdentity: () => undefined } : {}),
  });
}

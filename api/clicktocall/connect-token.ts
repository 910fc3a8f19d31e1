import { createHmac } from 'node:crypto';
import { safeEqual } from '../../shared/security/tokens.js';

/** How long a page's connect token lives: long enough to type a number, short enough not to be worth collecting. */
export const CONNECT_TOKEN_SECONDS = 600;

function mac(key: Buffer, endpointId: string, expires: number, clientAddress: string): string {
  return createHmac('sha256', key).update(`${endpointId}\n${expires}\n${clientAddress}`).digest('base64url');
}

/**
 * A short-lived proof that a public connect follows a fetch of the widget's token from the same
 * address: `<expiry unix seconds>.<HMAC(endpoint, expiry, address)>`. It stops drive-by requests and
 * replays from elsewhere; it does not stop a script that fetches a token first (the throttle, the
 * per-address limit and the whitelist bound that).
 */
export function signConnectToken(key: Buffer, endpointId: string, clientAddress: string, nowMs: number): string {
  const expires = Math.floor(nowMs / 1000) + CONNECT_TOKEN_SECONDS;
  return `${expires}.${mac(key, endpointId, expires, clientAddress)}`;
}

export function verifyConnectToken(key: Buffer, token: string, endpointId: string, clientAddress: string, nowMs: number): boolean {
  const match = /^([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return false;
  const expires = Number(match[1]);
  if (expires * 1000 < nowMs || expires * 1000 > nowMs + CONNECT_TOKEN_SECONDS * 1000) return false;
  return safeEqual(mac(key, endpointId, expires, clientAddress), match[2] as string);
}

import { createHmac, hash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys carry a recognisable prefix so leaked keys can be found by secret scanners. */
export const API_KEY_PREFIX = 'c2c_live_';
const API_KEY_PATTERN = /^c2c_live_[A-Za-z0-9_-]{43}$/;

/** A new API key: the prefix and 256 random bits. Shown once; only its hash is stored. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function looksLikeApiKey(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}

/**
 * SHA-256 of the key. Keys are 256-bit random, so a fast hash is enough (no dictionary to guess
 * from), and looking a key up by its hash never compares secret bytes one by one.
 */
export function hashApiKey(apiKey: string): string {
  // One-shot: no Hash object per request (every authenticated request hashes its key).
  return hash('sha256', apiKey, 'base64url');
}

/** Short random ids for keys and accounts, safe in URLs and Redis keys. */
export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** Derives a purpose-bound key from the master key, so one secret serves several uses safely. */
export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `c2c-relay:${purpose}`, 32));
}

/** The token in a status URL: an HMAC of the request id, so nothing needs to be stored (checked by StatusTokens). */
export function signStatusToken(key: Buffer, requestId: string): string {
  return createHmac('sha256', key).update(requestId).digest('base64url').slice(0, 32);
}

/** Constant-time comparison of two strings (length differences leak only the length). */
export function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

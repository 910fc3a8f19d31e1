/**
 * HTTP Digest (MD5), which Node's HTTP client does not speak (Switchvox ≤ 6.5.x; HTTP PBXes with `auth.type: digest`):
 * parse `WWW-Authenticate` and compute the `Authorization` answer (RFC 7616 with qop=auth, RFC 2069 form without qop).
 * Pure: the caller supplies the client nonce and the nonce count.
 */
import { createHash } from 'node:crypto';

export interface AuthChallenge {
  /** Lower-case scheme name, e.g. `basic` or `digest`. */
  scheme: string;
  params: Record<string, string>;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** As offered (upper-case), `MD5` when the challenge names none. */
  algorithm: string;
  /** The qop values offered; empty for an RFC 2069 challenge. */
  qop: string[];
  stale: boolean;
}

export interface DigestAnswer {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  uri: string;
  /** The count of requests made with this nonce, starting at 1. */
  nc: number;
  cnonce: string;
}

// One element: either a scheme name (no "=") that starts a challenge, or a name=value auth-param.
const ELEMENT = /\s*,?\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/y;

/** Splits a `WWW-Authenticate` value (several challenges may be folded into one line) into challenges. */
export function parseAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  const element = new RegExp(ELEMENT.source, 'y');
  for (let match = element.exec(header); match !== null; match = element.exec(header)) {
    const [, name = '', quoted, bare] = match;
    const value = quoted === undefined ? bare : quoted.replace(/\\(.)/g, '$1');
    const current = challenges[challenges.length - 1];
    if (value === undefined) challenges.push({ scheme: name.toLowerCase(), params: {} });
    else if (current) current.params[name.toLowerCase()] = value;
  }
  return challenges;
}

/** The Digest challenge among `challenges`, or undefined when none is usable (no realm or nonce). */
export function findDigestChallenge(challenges: AuthChallenge[]): DigestChallenge | undefined {
  const digest = challenges.find((c) => c.scheme === 'digest');
  const { realm, nonce, opaque, algorithm, qop, stale } = digest?.params ?? {};
  if (realm === undefined || nonce === undefined) return undefined;
  return {
    realm,
    nonce,
    ...(opaque === undefined ? {} : { opaque }),
    algorithm: (algorithm ?? 'MD5').toUpperCase(),
    qop: (qop ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== ''),
    stale: (stale ?? '').toLowerCase() === 'true',
  };
}

/** Why this client cannot answer the challenge, or undefined when it can. */
export function unsupportedDigest(challenge: DigestChallenge): string | undefined {
  if (challenge.algorithm !== 'MD5' && challenge.algorithm !== 'MD5-SESS') {
    return `digest algorithm ${challenge.algorithm} is not supported`;
  }
  if (challenge.qop.length > 0 && !challenge.qop.includes('auth')) {
    return `digest qop ${challenge.qop.join(',')} is not supported`;
  }
  return undefined;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const quote = (text: string): string => `"${text.replace(/(["\\])/g, '\\$1')}"`;

/** The `response` value of RFC 7616 §3.4.1 (or RFC 2069 when no qop is offered). */
export function digestResponse(answer: DigestAnswer): string {
  const { challenge, username, password, method, uri, cnonce } = answer;
  const userHash = md5(`${username}:${challenge.realm}:${password}`);
  const ha1 = challenge.algorithm === 'MD5-SESS' ? md5(`${userHash}:${challenge.nonce}:${cnonce}`) : userHash;
  const ha2 = md5(`${method}:${uri}`);
  if (challenge.qop.length === 0) return md5(`${ha1}:${challenge.nonce}:${ha2}`);
  return md5(`${ha1}:${challenge.nonce}:${formatNc(answer.nc)}:${cnonce}:auth:${ha2}`);
}

function formatNc(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/** The complete `Authorization` header value; throws when `unsupportedDigest` would refuse the challenge. */
export function digestAuthorization(answer: DigestAnswer): string {
  const problem = unsupportedDigest(answer.challenge);
  if (problem !== undefined) throw new Error(problem);
  const { challenge } = answer;
  const parts = [
    `username=${quote(answer.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(answer.uri)}`,
    `algorithm=${challenge.algorithm === 'MD5-SESS' ? 'MD5-sess' : 'MD5'}`,
    `response=${quote(digestResponse(answer))}`,
  ];
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.qop.length > 0) parts.push('qop=auth', `nc=${formatNc(answer.nc)}`, `cnonce=${quote(answer.cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}

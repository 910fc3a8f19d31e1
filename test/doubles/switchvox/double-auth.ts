/**
 * HTTP auth as a Switchvox box does it (protocols/switchvox.md §4): Basic on ≥ 6.6, Digest (MD5,
 * realm `switchvox_api_auth`) on ≤ 6.5. Written independently of the driver's digest code on
 * purpose, so a shared mistake cannot make both sides agree.
 */
import { createHash, randomBytes } from 'node:crypto';

export type DoubleAuthMode = 'basic' | 'digest';

export interface DoubleUser {
  username: string;
  password: string;
  /** `admin` covers admins and sub-admins with "Manage Extensions" read/write; `extension` is a user login. */
  role: 'admin' | 'extension';
}

export type AuthVerdict =
  | { kind: 'ok'; user: DoubleUser }
  /** Missing, malformed or wrong-scheme credentials: answer 401 with a challenge. */
  | { kind: 'challenge' }
  /** Well-formed credentials that do not match a user. */
  | { kind: 'wrong'; username: string }
  /** Right credentials under an expired nonce: answer 401 with a fresh challenge marked `stale=true`. */
  | { kind: 'stale' };

export const DIGEST_REALM = 'switchvox_api_auth';
/** The Basic realm text of a 6.6+ box was never seen [unconfirmed]. */
const BASIC_REALM = 'Switchvox API';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

function digestParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/([a-zA-Z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const [, name = '', quoted, bare = ''] = match;
    params[name.toLowerCase()] = quoted === undefined ? bare : quoted.replace(/\\(.)/g, '$1');
  }
  return params;
}

export class DoubleAuth {
  /** Digest nonces the double issued, with when. */
  private readonly nonces = new Map<string, number>();

  /**
   * `nonceLifetimeMs`: how long a Digest nonce stays valid. Digest-era boxes serve the API through
   * Apache, whose mod_auth_digest expires nonces (AuthDigestNonceLifetime, 300 s by default) and
   * answers a late one with `stale=true` (RFC 7616 §3.3) [inferred: not observed on a box].
   */
  constructor(
    private readonly mode: DoubleAuthMode,
    private readonly users: DoubleUser[],
    private readonly qop: boolean,
    private readonly nonceLifetimeMs = Number.POSITIVE_INFINITY,
  ) {}

  /** The `WWW-Authenticate` value for a 401; every Digest challenge carries a fresh nonce. */
  challenge(options: { stale?: boolean } = {}): string {
    if (this.mode === 'basic') return `Basic realm="${BASIC_REALM}"`;
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, Date.now());
    const qop = this.qop ? ', qop="auth"' : '';
    return `Digest realm="${DIGEST_REALM}", nonce="${nonce}", algorithm=MD5${qop}${options.stale === true ? ', stale=true' : ''}`;
  }

  check(header: string | undefined, httpMethod: string, uri: string): AuthVerdict {
    const [scheme = '', ...rest] = (header ?? '').trim().split(/\s+/);
    const value = rest.join(' ');
    if (scheme.toLowerCase() !== this.mode) return { kind: 'challenge' };
    return this.mode === 'basic' ? this.checkBasic(value) : this.checkDigest(value, httpMethod, uri);
  }

  private checkBasic(token: string): AuthVerdict {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (token === '' || colon < 0) return { kind: 'challenge' };
    const username = decoded.slice(0, colon);
    const user = this.users.find((u) => u.username === username && u.password === decoded.slice(colon + 1));
    return user ? { kind: 'ok', user } : { kind: 'wrong', username };
  }

  private checkDigest(value: string, httpMethod: string, uri: string): AuthVerdict {
    const p = digestParams(value);
    const { username, realm, nonce, response } = p;
    if (username === undefined || nonce === undefined || response === undefined) return { kind: 'challenge' };
    const issuedAt = this.nonces.get(nonce);
    if (realm !== DIGEST_REALM || p.uri !== uri || issuedAt === undefined) return { kind: 'challenge' };
    if (this.qop && (p.qop !== 'auth' || p.nc === undefined || p.cnonce === undefined)) return { kind: 'challenge' };
    const user = this.users.find((u) => u.username === username);
    if (user === undefined) return { kind: 'wrong', username };
    const ha1 = md5(`${username}:${DIGEST_REALM}:${user.password}`);
    const ha2 = md5(`${httpMethod}:${uri}`);
    const expected = this.qop
      ? md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    if (expected !== response) return { kind: 'wrong', username };
    return Date.now() - issuedAt > this.nonceLifetimeMs ? { kind: 'stale' } : { kind: 'ok', user };
  }
}

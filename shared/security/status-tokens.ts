import { safeEqual, signStatusToken } from './tokens.js';

/** How many request ids' tokens are remembered (about 150 bytes each). */
const REMEMBERED = 10_000;

/**
 * Status URL tokens (an HMAC of the request id) for one process, remembering the most recent ones:
 * a status URL is read again and again while its call goes on, and computing the HMAC was a tenth
 * of a status read's CPU. Only tokens this process signed or verified as valid are remembered, so a
 * caller sending wrong tokens cannot fill the memory; every check stays a constant-time comparison.
 */
export class StatusTokens {
  private readonly recent = new Map<string, string>();

  constructor(
    private readonly key: Buffer,
    private readonly remembered = REMEMBERED,
  ) {}

  /** The token of a request's status URL. */
  sign(requestId: string): string {
    let token = this.recent.get(requestId);
    if (token === undefined) {
      token = signStatusToken(this.key, requestId);
      this.remember(requestId, token);
    }
    return token;
  }

  /** Whether `token` is the request's token. */
  verify(requestId: string, token: string): boolean {
    const known = this.recent.get(requestId);
    if (known !== undefined) return safeEqual(known, token);
    const expected = signStatusToken(this.key, requestId);
    const valid = safeEqual(expected, token);
    if (valid) this.remember(requestId, expected);
    return valid;
  }

  /** How many tokens are remembered now. */
  get size(): number {
    return this.recent.size;
  }

  private remember(requestId: string, token: string): void {
    // Oldest first: a Map iterates in insertion order.
    if (this.recent.size >= this.remembered) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(requestId, token);
  }
}

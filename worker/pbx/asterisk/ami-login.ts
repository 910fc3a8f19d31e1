/** The AMI login exchange (asterisk-ami.md §2.4), over whatever sends actions on a fresh session. */
import { createHash } from 'node:crypto';
import { AppError } from '../../../shared/errors.js';
import { type AmiHeader, headerValue } from './ami-codec.js';
import type { AmiReply } from './ami-connection.js';

export interface AmiCredentials {
  username: string;
  secret: string;
  tls: boolean;
}

/**
 * Logs in with `Events: call`, the only class the relay reads. Over plain TCP the MD5 challenge
 * keeps the secret itself off the wire; over TLS the plain Secret saves a round trip.
 */
export async function amiLogin(send: (headers: AmiHeader[]) => Promise<AmiReply>, credentials: AmiCredentials): Promise<void> {
  const { username, secret } = credentials;
  let auth: AmiHeader[] = [['Secret', secret]];
  if (!credentials.tls) {
    const challenge = await send([['Action', 'Challenge'], ['AuthType', 'MD5']]);
    const value = headerValue(challenge.response, 'Challenge');
    if (value !== undefined && headerValue(challenge.response, 'Response') === 'Success') {
      auth = [['AuthType', 'MD5'], ['Key', createHash('md5').update(value + secret).digest('hex')]];
    }
  }
  const reply = await send([['Action', 'Login'], ['Username', username], ...auth, ['Events', 'call']]);
  if (headerValue(reply.response, 'Response') !== 'Success') {
    // Asterisk says the same for a bad user, a bad secret and an ACL refusal, then hangs up.
    throw new AppError('pbx_auth_failed', undefined, {
      responseData: { Response: 'Error', Message: headerValue(reply.response, 'Message') ?? '' },
    });
  }
}

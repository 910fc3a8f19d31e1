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

export const CHALLENGE_REFUSED =
  'The PBX refused the MD5 challenge login, and the relay does not send the AMI secret in clear over plain TCP. ' +
  'Enable TLS for this connection (tls: true, the AMI TLS port) or allow MD5 challenge logins on the PBX.';

/**
 * Logs in with `Events: call`, the only class the relay reads. Over plain TCP only the MD5
 * challenge is used, so the secret itself never crosses an unencrypted wire; a PBX that refuses
 * the challenge gets no plain-text fallback (anyone on the path could read the secret). Over TLS
 * the plain Secret is safe and saves a round trip.
 */
export async function amiLogin(send: (headers: AmiHeader[]) => Promise<AmiReply>, credentials: AmiCredentials): Promise<void> {
  const { username, secret } = credentials;
  const auth = credentials.tls ? [['Secret', secret] as const] : await md5Key(send, secret);
  const reply = await send([['Action', 'Login'], ['Username', username], ...auth, ['Events', 'call']]);
  if (headerValue(reply.response, 'Response') !== 'Success') {
    // Asterisk says the same for a bad user, a bad secret and an ACL refusal, then hangs up.
    throw new AppError('pbx_auth_failed', undefined, {
      responseData: { Response: 'Error', Message: headerValue(reply.response, 'Message') ?? '' },
    });
  }
}

async function md5Key(send: (headers: AmiHeader[]) => Promise<AmiReply>, secret: string): Promise<AmiHeader[]> {
  const challenge = await send([['Action', 'Challenge'], ['AuthType', 'MD5']]);
  const value = headerValue(challenge.response, 'Challenge');
  if (value === undefined || value === '' || headerValue(challenge.response, 'Response') !== 'Success') {
    throw new AppError('pbx_auth_failed', CHALLENGE_REFUSED, {
      responseData: {
        Response: headerValue(challenge.response, 'Response') ?? '',
        Message: headerValue(challenge.response, 'Message') ?? '',
      },
    });
  }
  return [['AuthType', 'MD5'], ['Key', createHash('md5').update(value + secret).digest('hex')]];
}

/** Opens the TCP or TLS socket to an AMI listener, with certificate verification, pinning and the address guard. */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { AppError } from '../../../shared/errors.js';
import { asPrivateAddressRefusal, assertHostAllowed, lookupFor, type AddressPolicy } from '../http/address-policy.js';

export interface AmiSocketTarget extends AddressPolicy {
  host: string;
  port: number;
  tls: boolean;
  caPem?: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** DER bytes of every certificate in a PEM bundle. */
function pinnedCertificates(caPem: string): Buffer[] {
  return (caPem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block).raw);
}

/**
 * Resolves once the socket is connected (and, for TLS, the chain verified). `ca_pem` replaces the
 * system roots; a server presenting exactly a pinned certificate is accepted whatever its host
 * name, since self-signed PBX certificates rarely name the address the relay dials.
 */
export function openAmiSocket(target: AmiSocketTarget, timeoutMs: number): Promise<net.Socket> {
  const lookup = lookupFor(target);
  return new Promise<net.Socket>((resolve, reject) => {
    // A customer's host must not point the relay at internal services (SSRF): literal IPs here, names in the lookup.
    assertHostAllowed(target.host, target);
    let socket: net.Socket;
    const fail = (err: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(asPrivateAddressRefusal(err) ?? new AppError('pbx_unreachable', undefined, { cause: err }));
    };
    const timer = setTimeout(() => fail(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    };
    if (target.tls) {
      const pinned = target.caPem === undefined ? [] : pinnedCertificates(target.caPem);
      socket = tls.connect(
        {
          host: target.host,
          port: target.port,
          ...(lookup === undefined ? {} : { lookup }),
          ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
          ...(target.caPem === undefined ? {} : { ca: target.caPem }),
          rejectUnauthorized: true,
          checkServerIdentity: (hostname, cert) =>
            pinned.some((der) => der.equals(cert.raw)) ? undefined : tls.checkServerIdentity(hostname, cert),
        },
        done,
      );
    } else {
      socket = net.connect({ host: target.host, port: target.port, ...(lookup === undefined ? {} : { lookup }) }, done);
    }
    socket.once('error', fail);
  });
}

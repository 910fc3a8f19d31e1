/**
 * Certificates shaped like a Switchvox box's: a per-box "Switchvox Managed CA" (CA:TRUE, certSign +
 * cRLSign, RSA-2048, SHA-256, ~10 years) that signs the web certificate (protocols/switchvox.md §10).
 */
import { randomUUID } from 'node:crypto';
import { generate } from 'selfsigned';

export interface SwitchvoxCertificates {
  uuid: string;
  caPem: string;
  /** The web certificate followed by the CA, as the server presents its chain. */
  chainPem: string;
  keyPem: string;
}

const TEN_YEARS_MS = 3650 * 24 * 3600 * 1000;

/**
 * `leafHostname` defaults to a name that never matches 127.0.0.1, like a box reached by IP: a client
 * must pin the CA (and skip the name check) to connect.
 */
export async function generateSwitchvoxCertificates(leafHostname = 'switchvox.invalid'): Promise<SwitchvoxCertificates> {
  const uuid = randomUUID();
  const now = new Date();
  const ca = await generate(
    [
      { name: 'organizationName', value: `Switchvox UUID:${uuid}` },
      { name: 'commonName', value: 'Switchvox Managed CA' },
    ],
    {
      algorithm: 'sha256',
      keySize: 2048,
      notBeforeDate: now,
      notAfterDate: new Date(now.getTime() + TEN_YEARS_MS),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    },
  );
  const leaf = await generate([{ name: 'commonName', value: leafHostname }], {
    algorithm: 'sha256',
    keySize: 2048,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: leafHostname }] },
    ],
  });
  return { uuid, caPem: ca.cert, chainPem: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`, keyPem: leaf.private };
}

let shared: Promise<SwitchvoxCertificates> | undefined;

/** Key generation costs a few hundred ms; doubles share one box identity per test process unless told otherwise. */
export function sharedSwitchvoxCertificates(): Promise<SwitchvoxCertificates> {
  shared ??= generateSwitchvoxCertificates();
  return shared;
}

/**
 * The SSRF rule for every PBX connection (HTTP and AMI alike): a customer's settings must not point
 * the relay at loopback, link-local or private addresses unless the operator allows it. Host names
 * are checked by the DNS lookup hook (so a name cannot smuggle in a private answer); literal IPs
 * never reach that hook, so they are checked here before connecting.
 */
import { isIP, type LookupFunction } from 'node:net';
import { AppError } from '../../../shared/errors.js';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from '../other/address-guard.js';

export interface AddressPolicy {
  /** ALLOW_PRIVATE_PBX_ADDRESSES: lets drivers reach loopback, link-local and private addresses. */
  allowPrivateAddresses: boolean;
}

export function privateAddressRefused(address: string, cause?: unknown): AppError {
  return new AppError(
    'pbx_unreachable',
    `The PBX address ${address} is loopback, link-local or private; the operator must set ALLOW_PRIVATE_PBX_ADDRESSES=true to allow it.`,
    cause === undefined ? {} : { cause },
  );
}

/** Throws when `host` is a literal private IP the policy does not allow. */
export function assertHostAllowed(host: string, policy: AddressPolicy): void {
  if (policy.allowPrivateAddresses) return;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0 && isPrivateAddress(bare)) throw privateAddressRefused(bare);
}

/** The lookup hook for sockets under this policy (undefined: the system's own). */
export function lookupFor(policy: AddressPolicy): LookupFunction | undefined {
  return policy.allowPrivateAddresses ? undefined : guardedLookup;
}

/** The refusal behind a failed connection, if the guard caused it. */
export function asPrivateAddressRefusal(err: unknown): AppError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (current instanceof PrivateAddressError) return privateAddressRefused(current.address, current);
    current = current.cause;
  }
  return undefined;
}

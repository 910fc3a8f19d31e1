import type { ErrorObject } from 'ajv';
import { AppError } from '../errors.js';
import type { PbxKind } from './pbx-settings.js';

/*
 * What the account resources of SPEC §9 (agent queues, FindMe lists) share: their ids, their
 * names, how their `pbx` is chosen and how a validator's errors are told to the admin.
 */

/** The id of an account resource, chosen by the admin: it is in URLs and in public call parameters. */
export const RESOURCE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const RESOURCE_ID = new RegExp(RESOURCE_ID_PATTERN);

export function isResourceId(id: string): boolean {
  return RESOURCE_ID.test(id);
}

/** A resource id from the URL of a PUT: `invalid_request` naming the parameter when it cannot be one. */
export function checkResourceId(name: string, id: string): string {
  if (!isResourceId(id)) throw new AppError('invalid_request', `/${name} must match pattern "${RESOURCE_ID_PATTERN}"`);
  return id;
}

/** A phone number or extension as the call parameters take it (SPEC §2). */
export const RESOURCE_NUMBER_PATTERN = '^\\+?[0-9*#]{1,32}$';

/** A display name: no C0 or C1 control characters (C1 holds NEL, a line break to some readers). */
export const RESOURCE_NAME_SCHEMA = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\x00-\\x1f\\x7f-\\x9f]*$' } as const;

/** What of an account a resource is checked against: its PBX connections and the policy's default. */
export interface ResourceAccount {
  pbxKinds: readonly PbxKind[];
  defaultPbx: PbxKind | undefined;
}

/** The saved resource's PBX: the one it names, else the policy's `default_pbx`, else the account's only one. */
export function resourcePbx(asked: PbxKind | undefined, account: ResourceAccount): PbxKind {
  const only = account.pbxKinds.length === 1 ? account.pbxKinds[0] : undefined;
  const pbx = asked ?? account.defaultPbx ?? only;
  const have = account.pbxKinds.length === 0 ? 'none' : account.pbxKinds.join(', ');
  if (pbx === undefined) {
    throw new AppError('pbx_not_configured', account.pbxKinds.length === 0 ? 'The account has no PBX connection yet: add one first.' : `/pbx is required: the account has several PBX connections (${have}) and its policy names no default_pbx.`);
  }
  if (!account.pbxKinds.includes(pbx)) throw new AppError('pbx_not_configured', `/pbx "${pbx}" is not one of the account's PBX connections (${have}).`);
  return pbx;
}

/** Every validator error as `<field> <problem>`, naming the field also for unknown, missing and badly named ones. */
export function describeAjvErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'propertyNames') // its detail comes as a separate error naming the key
    .map((e) => {
      const at = e.instancePath;
      if (e.keyword === 'required') return `${at}/${String(e.params.missingProperty)} is required`;
      if (e.keyword === 'additionalProperties') return `${at}/${String(e.params.additionalProperty)} is not a known field`;
      if (e.propertyName !== undefined) return `${at || '/'} key ${JSON.stringify(e.propertyName)} ${e.message ?? 'is invalid'}`;
      return `${at || '/'} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

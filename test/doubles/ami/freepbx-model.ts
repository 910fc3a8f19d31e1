/**
 * What FreePBX's dialplan does with a call's caller ID, modelled from FreePBX/core (release/16.0,
 * asterisk-ami.md §3.5): `macro-user-callerid` decides who is calling and `macro-outbound-callerid`
 * what an outside number sees. Only the rules the relay depends on are modelled; trunk settings
 * (`OUTCID_n`, Force Trunk CID, Block Foreign CIDs), emergency routes and KEEPCID are not.
 */
import type { DoubleCore } from './ami-session.js';
import type { ChannelVars } from './channel-vars.js';
import { astdb } from './lookups.js';

/** Contexts that run FreePBX's dialplan (and its `TRUNK_RING_TIMER`) in the double. */
export const FREEPBX_CONTEXTS = new Set(['from-internal', 'originate-skipvm', 'ext-local']);

export interface FreepbxView {
  /** AMPUSER: the user FreePBX takes as the caller (routing, permissions, outbound CID), if any. */
  user: string | undefined;
  /** The caller-ID number the party finally gets. */
  callerIdNum: string;
}

/**
 * `macro-user-callerid`: REALCALLERIDNUM is the caller-ID number unless already set (2+ chars);
 * the device's user is the caller; a user with a name gets their internal caller ID. Then, for a
 * number that is not an extension (an outbound route), `macro-outbound-callerid`: the user's
 * Outbound CID, overridden by TRUNKCIDOVERRIDE when set.
 */
export function freepbxView(core: DoubleCore, call: { callerIdNum: string; vars: ChannelVars; dialed: string }): FreepbxView {
  const preset = call.vars.get('REALCALLERIDNUM') ?? '';
  const real = preset.length >= 2 ? preset : call.callerIdNum;
  const user = astdb(core, 'DEVICE', `${real}/user`) || undefined;
  const name = user === undefined ? undefined : astdb(core, 'AMPUSER', `${user}/cidname`);
  let callerIdNum = name !== undefined && name.length >= 2 ? (astdb(core, 'AMPUSER', `${user}/cidnum`) ?? user ?? real) : call.callerIdNum;
  const internal = Object.hasOwn(core.options.extensions ?? {}, call.dialed);
  if (!internal) {
    const outboundCid = user === undefined ? '' : (astdb(core, 'AMPUSER', `${user}/outboundcid`) ?? '');
    const override = call.vars.get('TRUNKCIDOVERRIDE') ?? '';
    if (outboundCid !== '') callerIdNum = numberOf(outboundCid);
    if (override !== '') callerIdNum = numberOf(override);
  }
  return { user, callerIdNum };
}

/** The number of a FreePBX caller ID (`"Name" <num>` or `num`). */
function numberOf(callerId: string): string {
  return /<([^>]*)>/.exec(callerId)?.[1] ?? callerId.trim();
}

/**
 * The class a FreePBX call's channel ends up with: macro-dial-one sets `CHANNEL(musicclass)` to
 * MOHCLASS when it is neither empty nor `default`, and an outbound route with its own class sets
 * MOHCLASS to it unless MOHCLASS is set already (FreePBX/core); that a trunk channel then takes
 * MOHCLASS too is assumed (`freepbxRouteMusicClass`). Otherwise the inherited class stays.
 */
export function freepbxMusicClass(core: DoubleCore, call: { vars: ChannelVars; dialed: string; channelClass: string }): string {
  const internal = Object.hasOwn(core.options.extensions ?? {}, call.dialed);
  const preset = call.vars.get('MOHCLASS') ?? '';
  const mohclass = preset === '' && !internal ? (core.options.freepbxRouteMusicClass ?? '') : preset;
  return mohclass !== '' && mohclass !== 'default' ? mohclass : call.channelClass;
}

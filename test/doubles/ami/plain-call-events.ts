/**
 * Plain AMI events of one call for unit tests of the relay's call follow-up, abridged to the
 * fields the relay may read (names, order and values as in asterisk-transcripts.md). A burst lists
 * `[chain, event]` pairs in transcript order; event-order.ts may interleave its chains.
 */
import type { AmiMessage } from '../../../worker/pbx/asterisk/ami-codec.js';

export type Chan = readonly [uniqueid: string, name: string];
export type Burst = [chain: string, event: AmiMessage][];

/** ActionID, ChannelId and OtherChannelId of the call, as the driver derives them. */
export const ids = { actionId: 'c2c-a', leg1: 'c2c-r-1', leg2: 'c2c-r-2' };

const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown', 16: 'Normal Clearing', 17: 'User busy', 19: 'User alerting, no answer', 21: 'Call Rejected', 34: 'Circuit/channel congestion',
};

const block = ([uniqueid, name]: Chan, prefix = ''): [string, string][] => [
  [`${prefix}Channel`, name],
  [`${prefix}Uniqueid`, uniqueid],
  [`${prefix}Linkedid`, ids.leg1],
  [`${prefix}ChanVariable`, 'C2C_ID=c2c-r'],
];

export function msg(event: string, ch: Chan, extra: [string, string][] = []): AmiMessage {
  return { headers: [['Event', event], ['Privilege', 'call,all'], ...block(ch), ...extra] };
}

export const hangup = (ch: Chan, cause: number): AmiMessage => msg('Hangup', ch, [['Cause', String(cause)], ['Cause-txt', CAUSE_TEXT[cause] ?? '']]);

/** HangupRequest (or SoftHangupRequest): a cause that is not the final one. */
export const request = (ch: Chan, cause: number, soft = false): AmiMessage =>
  msg(soft ? 'SoftHangupRequest' : 'HangupRequest', ch, [['Cause', String(cause)]]);

/** DialBegin / DialState / DialEnd; the Originate's own dial of leg 1 has no caller. */
export function dial(event: 'DialBegin' | 'DialState' | 'DialEnd', caller: Chan | undefined, dest: Chan, status: string): AmiMessage {
  const headers: [string, string][] = [['Event', event], ['Privilege', 'call,all'], ...(caller ? block(caller) : []), ...block(dest, 'Dest')];
  if (status) headers.push(['DialStatus', status]);
  return { headers };
}

export function originate(success: boolean, reason: number): AmiMessage {
  return {
    headers: [
      ['Event', 'OriginateResponse'], ['Privilege', 'call,all'], ['ActionID', ids.actionId], ['Response', success ? 'Success' : 'Failure'],
      ['Channel', success ? 'Local/2002@originate-skipvm-00000010;1' : 'Local/2002@originate-skipvm'], ['Context', 'from-internal'],
      ['Exten', '5550102'], ['Reason', String(reason)], ['Uniqueid', ids.leg1], ['CallerIDNum', '1001'], ['CallerIDName', 'Call'],
    ],
  };
}

function localBridge(one: Chan, two: Chan): AmiMessage {
  return { headers: [['Event', 'LocalBridge'], ['Privilege', 'call,all'], ...block(one, 'LocalOne'), ...block(two, 'LocalTwo'), ['LocalOptimization', 'Yes']] };
}

/** Leg 1 comes up (one chain: the transcripts show no variation here). */
export const leg1Setup = (one: Chan, two: Chan): Burst => [
  ['x', msg('Newchannel', one)], ['x', msg('Newchannel', two)], ['x', localBridge(one, two)], ['x', dial('DialBegin', undefined, one, '')],
];

/** Leg 1 answers; the OriginateResponse floats (transcripts a, e, f, f2). */
export const leg1Answers = (one: Chan, two: Chan): Burst => [
  ['leg', msg('Newstate', two)], ['leg', msg('Newstate', one)], ['leg', dial('DialEnd', undefined, one, 'ANSWER')], ['or', originate(true, 4)],
];

/** Leg 1's `;1` half dials leg 2, a Local pair (transcripts a, e). */
export const leg2Setup = (caller: Chan, one: Chan, two: Chan): Burst => [
  ['leg', msg('Newchannel', one)], ['leg', msg('Newchannel', two)], ['leg', localBridge(one, two)], ['leg', dial('DialBegin', caller, one, '')],
];

/** A bridged call ends: every half with 16, each `;1` leaving the bridge first (transcript a). */
export const END_OF_CALL = (a1: Chan, a2: Chan, b1: Chan, b2: Chan): Burst => [
  ['a2', request(a2, 16, true)], ['a1', request(a1, 16)], ['a2', hangup(a2, 16)], ['b2', request(b2, 16, true)], ['b1', request(b1, 16)],
  ['b2', hangup(b2, 16)], ['a1', msg('BridgeLeave', a1)], ['a1', request(a1, 16, true)], ['a1', hangup(a1, 16)], ['b1', msg('BridgeLeave', b1)],
  ['b1', hangup(b1, 16)],
];

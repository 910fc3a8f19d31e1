/**
 * What each leg of an originated call received, the way the PBX would have it (asterisk-ami.md §9
 * item 14): the caller ID offered to the party, the channel variables its dialplan reads, where
 * that dialplan runs, how long it may ring, the prompts played to it, and the recording. Tests
 * assert the relay's output here rather than on header strings.
 */
import type { DoubleCore } from './ami-session.js';
import type { ChannelVars } from './channel-vars.js';
import { FREEPBX_CONTEXTS, type FreepbxView, freepbxView } from './freepbx-model.js';

export interface LegReceived {
  /** The channel that carries the leg towards its party (a Local channel's `;2` half). */
  channel: string;
  /** Caller ID the party is offered; `<unknown>` when none. */
  callerIdNum: string;
  callerIdName: string;
  /** `${NAME}` → value for every variable the leg's dialplan can read, as UTF-8 text. */
  variables: Record<string, string>;
  /** Where the leg's dialplan runs. */
  context: string;
  exten: string;
  /** How long the leg may ring at most by the Originate's own bound (leg 1 its Timeout, leg 2 Dial's timeout), in ms; undefined: as long as its dialplan rings. */
  ringLimitMs: number | undefined;
  /** Sound files played to this party before the bridge (Dial `A()`); no AMI event reports them. */
  prompts: string[];
  /** FreePBX contexts only: who FreePBX takes as the caller, and the caller ID the party finally gets. */
  freepbx?: FreepbxView;
}

export interface RecordingReceived {
  /** The channel MixMonitor records (the answered leg 2). */
  channel: string;
  /** Where the file would be: MixMonitor puts a relative name in the monitor directory. Nothing is written. */
  file: string;
  options: string;
  state: 'recording' | 'stopped';
}

export interface ReceivedCall {
  actionId: string | undefined;
  /** `Dial` when leg 1 runs an Application, else undefined (the Originate's Context/Exten). */
  application: string | undefined;
  leg1: LegReceived;
  /** Set once leg 1 answered and leg 2 was dialed. */
  leg2?: LegReceived;
  recording?: RecordingReceived;
}

/**
 * The view of one leg. Variables are held as Asterisk holds them, one byte per character (the
 * double reads the wire as latin1); the view gives them back as the UTF-8 text the relay sent.
 */
export function legReceived(
  core: DoubleCore,
  leg: { channel: string; callerIdNum: string; callerIdName: string; vars: ChannelVars; context: string; exten: string; ringLimitMs: number | undefined },
): LegReceived {
  const variables = Object.fromEntries(
    Object.entries(leg.vars.view()).map(([name, value]) => [utf8(name), utf8(value)]),
  );
  const received: LegReceived = {
    channel: leg.channel,
    callerIdNum: leg.callerIdNum,
    callerIdName: leg.callerIdName,
    variables,
    context: leg.context,
    exten: leg.exten,
    ringLimitMs: leg.ringLimitMs,
    prompts: [],
  };
  if (FREEPBX_CONTEXTS.has(leg.context)) {
    received.freepbx = freepbxView(core, { callerIdNum: leg.callerIdNum, vars: leg.vars, dialed: leg.exten });
  }
  return received;
}

function utf8(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * What each leg of an originated call received, the way the PBX would have it (asterisk-ami.md §9
 * item 14): the caller ID offered to the party, the channel variables its dialplan reads, where
 * that dialplan runs, how long it may ring, the prompts played to it, the SIP headers its INVITE
 * carries, the music-on-hold class it hears when held, what leg 1 hears while leg 2 rings, and the
 * recording. Tests assert the relay's output here rather than on header strings.
 */
import type { DoubleCore } from './ami-session.js';
import type { ChannelVars } from './channel-vars.js';
import { FREEPBX_CONTEXTS, type FreepbxView, freepbxMusicClass, freepbxView } from './freepbx-model.js';
import type { PreDialRun } from './pre-dial.js';

/** What leg 1's party hears while leg 2 rings (Dial `m()`/`r()`); `leg2`: whatever leg 2 sends back (its ringing, early media). */
export type Ringback = { kind: 'leg2' } | { kind: 'ringing' } | { kind: 'tone'; tone: string } | { kind: 'music'; musicClass: string };

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
  /**
   * The music-on-hold class this party hears when the other one puts the call on hold: its
   * channel's class (res_musiconhold prefers it), `default` when it has none.
   */
  musicClass: string;
  /** SIP headers the INVITE to this party carries besides the PBX's own, as name/value pairs in order. */
  sipHeaders: [string, string][];
  /** The pre-dial handler (Dial `b()`) run on this leg's channel before it was dialed. */
  preDial?: PreDialRun;
  /** Leg 1 only, once leg 2 is dialed: what this party hears while leg 2 rings. */
  ringback?: Ringback;
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
  /**
   * Set once leg 1 answered and leg 2 was dialed. With several Dial targets (ring-all.ts): the
   * target that answered, and until one does (or when none does), the first.
   */
  leg2?: LegReceived;
  /** Only for a Dial with several `&` targets: every target's leg, in Dial order. */
  targets?: TargetReceived[];
  /** Only for leg 1 to the README's ring-all context (leg1-ring-all.ts): every target its Dial rang, in Dial order. */
  leg1Targets?: TargetReceived[];
  /** Only for leg 2 to the README's hunt context (leg2-hunt.ts): every target it rang, in the order it rang them. */
  hunt?: TargetReceived[];
  /** The DIALSTATUS leg 2's Dial left on leg 1 (ANSWER, BUSY, CONGESTION, CHANUNAVAIL, NOANSWER, CANCEL) once it returned. */
  dialStatus?: string;
  recording?: RecordingReceived;
}

/** One of Dial's targets: its leg, and the DialStatus of its DialEnd once it got one. */
export interface TargetReceived extends LegReceived {
  dialStatus?: string;
}

/**
 * The view of one leg. Variables are held as Asterisk holds them, one byte per character (the
 * double reads the wire as latin1); the view gives them back as the UTF-8 text the relay sent.
 */
export function legReceived(
  core: DoubleCore,
  leg: {
    channel: string; callerIdNum: string; callerIdName: string; vars: ChannelVars; context: string; exten: string; ringLimitMs: number | undefined;
    /** The channel's own music-on-hold class before the leg's dialplan runs ('' for none). */
    musicClass: string;
    /** Headers the channel carries into its INVITE (an inherited header datastore), raw bytes. */
    sipHeaders?: [string, string][];
    preDial?: PreDialRun;
  },
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
    musicClass: leg.musicClass,
    sipHeaders: (leg.sipHeaders ?? []).map(([name, value]) => [utf8(name), utf8(value)]),
    ...(leg.preDial === undefined ? {} : { preDial: leg.preDial }),
  };
  if (FREEPBX_CONTEXTS.has(leg.context)) {
    received.freepbx = freepbxView(core, { callerIdNum: leg.callerIdNum, vars: leg.vars, dialed: leg.exten });
    received.musicClass = freepbxMusicClass(core, { vars: leg.vars, dialed: leg.exten, channelClass: leg.musicClass });
  }
  received.musicClass ||= 'default';
  return received;
}

function utf8(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

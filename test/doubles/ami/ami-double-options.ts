/** Configuration of the AMI double: users, extensions, dialplan, scripted call outcomes, hooks. */
import type { ReceivedCall } from './received-call.js';

/** What a dialed party does (asterisk-ami.md §3.4, §9 item 13). */
export type CallOutcome =
  /**
   * Leg 2: stays up `holdMs` after answering, then hangs up. Leg 1: its party hangs up `holdMs`
   * after answering, whatever leg 2 is doing then (still ringing: DialEnd CANCEL).
   */
  | { kind: 'answer'; ringMs?: number; holdMs?: number }
  | { kind: 'busy'; ringMs?: number }
  /**
   * Rings until the leg's timeout: leg 1 the Originate `Timeout` (ms); leg 2 the ring time of the
   * context that dials it (`TRUNK_RING_TIMER` s, else `contextRingMs`, else `timing.leg2RingMs`),
   * cut short by the Dial timeout when leg 1 runs `Dial` as its Application.
   */
  | { kind: 'noanswer' }
  | { kind: 'congestion'; ringMs?: number }
  /** Rings, then hangs up with cause 21 without answering (Reason 0). */
  | { kind: 'rejected'; ringMs?: number }
  /** The channel cannot be reached at all (Reason 0, cause 0 / CHANUNAVAIL). */
  | { kind: 'unavailable' };

export interface AmiDoubleUser {
  secret: string;
  /** Event classes the user may receive (manager.conf `read`); `all` means every class. */
  read?: string[];
  /** Action classes the user may invoke (manager.conf `write`). */
  write?: string[];
  /**
   * manager.conf `eventfilter` lines, legacy syntax: a regular expression matched against the whole
   * event; events must match one of the plain filters (when there are any) and none of the `!` ones.
   */
  eventFilters?: string[];
}

export interface DoubleExtension {
  /** Display name (AMPUSER/<ext>/cidname, PJSIP callerid name). */
  name: string;
  /** The PJSIP endpoint's context. */
  context?: string;
  /** Present in AstDB as a FreePBX user (default true). */
  freepbx?: boolean;
  /** Present as a PJSIP endpoint (default true). */
  pjsip?: boolean;
  /** SIP password shown in PJSIPShowEndpoint's AuthDetail, so tests prove the relay drops it. */
  sipPassword?: string;
  /** FreePBX "Outbound CID" (AMPUSER/<ext>/outboundcid): what a call of this user sends out by a trunk. */
  outboundCid?: string;
}

/**
 * One member of an app_queue queue (§5.5), keyed by its interface (`PJSIP/1001`). A member that is
 * not logged in is not in the queue at all: Asterisk keeps nothing of it, QueueStatus omits it
 * and QueuePause answers `Interface not found`.
 */
export interface DoubleQueueMember {
  /** MemberName; Asterisk uses the interface when none is given. */
  name?: string;
  /** Where app_queue reads device state (default: the interface); `hint:<ext>@<context>` follows `PJSIP/<ext>`. */
  stateInterface?: string;
  /** queues.conf `member =` lines are static, AddQueueMember (a phone's login code) makes dynamic ones. */
  membership?: 'static' | 'dynamic';
  penalty?: number;
  paused?: boolean;
  pausedReason?: string;
  /** On a call the queue itself connected (app_queue's `starttime`); a call not placed by the queue never sets it. */
  inCall?: boolean;
  /** Device state: 0 unknown, 1 not in use (default), 2 in use, 3 busy, 4 invalid, 5 unavailable, 6 ringing, 7 ringing in use, 8 on hold. */
  status?: number;
  /** Default true; false: logged out (absent from the queue). */
  loggedIn?: boolean;
}

export interface DoubleQueue {
  /** queues.conf `strategy` (default `ringall`). */
  strategy?: string;
  members: Record<string, DoubleQueueMember>;
}

/** Hostile-but-legal server behaviour (§9 item 9); can be changed while running. */
export interface OutputHooks {
  /** Write every outgoing message in chunks of this many bytes, one write per chunk. */
  chunkSize?: number;
  /** Collect everything written in one turn of the event loop into a single write. */
  coalesce?: boolean;
  /** Append a stray empty line after each reply (what chan_sip SIPshowpeer does). */
  strayEmptyLine?: boolean;
  /** Surround each Originate reply with unrelated events, including a foreign OriginateResponse. */
  noise?: boolean;
}

export interface AmiDoubleTiming {
  /** How long a party rings before its scripted outcome (default 20 ms). */
  ringMs?: number;
  /** How long an answered leg 2 stays up before hanging up (default 5000 ms). */
  holdMs?: number;
  /** Leg-2 ring time of a context without `TRUNK_RING_TIMER` or `contextRingMs` (default 30000 ms). */
  leg2RingMs?: number;
}

export interface AmiDoubleOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  bannerVersion?: string;
  /** When set, events carry `SystemName:` and generated uniqueids are prefixed with it. */
  systemName?: string;
  users?: Record<string, AmiDoubleUser>;
  /** Asterisk sleeps 1 s before answering a failed login; tests may shorten it. */
  loginFailureDelayMs?: number;
  /** Unauthenticated sessions are closed after this long (default 30000 ms). */
  authTimeoutMs?: number;
  extensions?: Record<string, DoubleExtension>;
  /**
   * Keep what was received (every byte, action, Originate and call) for `received()`, `actions()`,
   * `originates()` and `calls()`: default true. False for long runs that never read them (the
   * benchmark's PBX), whose memory would otherwise grow with every call until GC slows the double.
   */
  keepRecords?: boolean;
  /** Extra AstDB entries, keyed `Family/Key`. */
  astdb?: Record<string, string>;
  /** Global dialplan variables readable with Getvar. */
  globals?: Record<string, string>;
  /** Context → extension patterns (`1001`, `_X.`, `_+X.`, `_NXXNXXXXXX`). */
  dialplan?: Record<string, string[]>;
  /** Scripted outcome per dial_first target (the `<x>` of `Local/<x>@…` or `PJSIP/<x>`). */
  leg1Outcomes?: Record<string, CallOutcome>;
  /** Scripted outcome per dial_second (`Exten`). */
  leg2Outcomes?: Record<string, CallOutcome>;
  /** How long the customer's own dialplan in a context lets leg 2 ring (its `Dial(…,<ring>)`), in ms. */
  contextRingMs?: Record<string, number>;
  /**
   * A context installed as the README's recording subroutine (MixMonitor of `c2c-<ARG1>.<ARG2>`
   * with option `b`); it must also be in `dialplan` with an `s` extension. Records nothing on disk.
   */
  recordingSubroutine?: string;
  /** Asterisk's monitor directory, where MixMonitor puts a relative file name (default /var/spool/asterisk/monitor). */
  monitorDir?: string;
  /**
   * A context installed as the README's SIP-header subroutine (pre-dial.ts); it must also be in
   * `dialplan` with an `s` extension. `sipHeaderFunction` is the function its Set uses: the README's
   * PJSIP_INHERITABLE_HEADER (default), or PJSIP_HEADER, which adds nothing on leg 2's Local channel.
   */
  sipHeaderSubroutine?: string;
  sipHeaderFunction?: 'PJSIP_INHERITABLE_HEADER' | 'PJSIP_HEADER';
  /**
   * A context installed as the README's Click-to-FindMe "list first, all at once" context
   * (`s,1,Dial(${C2C_RINGALL},${C2C_RING})`, `n,Hangup()`: leg1-ring-all.ts); it must also be in
   * `dialplan` with an `s` extension. Its targets' outcomes come from `leg1Outcomes`.
   */
  ringAllContext?: string;
  /**
   * A context installed as the README's Click-to-FindMe "phone_to_call first, then the list in
   * turn" context (leg2-hunt.ts): leg 1's Dial of `Local/s@<huntContext>` rings C2C_HUNT_1 …
   * C2C_HUNT_<C2C_HUNT_COUNT> one after the other, C2C_RING s each; it must also be in `dialplan`
   * with an `s` extension. Its targets' outcomes come from `leg2Outcomes`.
   */
  huntContext?: string;
  /**
   * Tone names of the channels' indications.conf zone, for Dial `r(tone)` (default: those every
   * zone of indications.conf.sample has). An unknown tone makes Dial warn and indicate ringing.
   */
  indicationTones?: string[];
  /**
   * Invented FreePBX setting: the "Music On Hold" class of the outbound route leg 2 takes. FreePBX
   * sets MOHCLASS to it unless MOHCLASS is already set (FreePBX/core); that the trunk channel then
   * takes MOHCLASS as its class, as macro-dial-one does for extensions, is assumed, not confirmed.
   */
  freepbxRouteMusicClass?: string;
  /** app_queue queues by name (QueueStatus, QueuePause, and the member events of queues.ts). */
  queues?: Record<string, DoubleQueue>;
  /** Called with what each leg of a call received once the call is over (the sandbox prints it). */
  onCallEnd?: (call: ReceivedCall) => void;
  timing?: AmiDoubleTiming;
  output?: OutputHooks;
  /** Also listen with TLS (same behaviour) on `tls.port` (default: a free port). */
  tls?: { key: string; cert: string; port?: number };
  /** manager.conf `channelvars`: a `ChanVariable: NAME=value` line per name in every channel block. */
  channelVars?: string[];
  /**
   * Vary the order of each call's events wherever real Asterisk does (event-order.ts), drawing
   * from a generator seeded with `seed` so that a failing order can be replayed (exactly so with
   * one call at a time: concurrent calls share the generator). Without it the double keeps the
   * order of the live transcripts.
   */
  eventOrder?: { seed: number };
  /**
   * Answer `Action: Challenge` with Asterisk's only Challenge error (`Must specify AuthType`), as
   * a PBX (or AMI proxy) that refuses MD5 logins would; invented condition, real wording.
   */
  refuseMd5Challenge?: boolean;
}

/** The README's recommended manager.conf `eventfilter` lines: only the three events the relay reads. */
export const RECOMMENDED_EVENT_FILTERS = ['Event: OriginateResponse', 'Event: Hangup', 'Event: DialEnd'];

export const FREEPBX_DIALPLAN: Record<string, string[]> = {
  'from-internal': ['_X.', '_+X.'],
  'originate-skipvm': ['_X.', '_+X.'],
  'ext-local': ['_X.'],
};

/** The README's recording subroutine, as the sandbox PBX has it installed. */
export const RECORDING_SUBROUTINE = 'c2c-relay-record';

/** The README's SIP-header subroutine, as the sandbox PBX has it installed. */
export const SIP_HEADER_SUBROUTINE = 'c2c-relay-sip-headers';

/** The README's Click-to-FindMe ring-all context, as the sandbox PBX has it installed. */
export const RING_ALL_CONTEXT = 'c2c-relay-ringall';

/** The README's Click-to-FindMe hunt context (the list in turn, after phone_to_call), as the sandbox PBX has it installed. */
export const HUNT_CONTEXT = 'c2c-relay-hunt';

/** The tones every zone of Asterisk's indications.conf.sample defines. */
export const STANDARD_TONES = ['dial', 'busy', 'ring', 'congestion', 'callwaiting', 'dialrecall', 'record', 'info', 'stutter'];

/** The developer sandbox behind the README's run command (a FreePBX-like box). */
export function sandboxAmiOptions(): AmiDoubleOptions {
  const names = ['Alice Example', 'Bob Example', 'Carol Example', 'Dave Example', 'Erin Example'];
  const extensions: Record<string, DoubleExtension> = {};
  names.forEach((name, i) => {
    const ext = String(1001 + i);
    extensions[ext] = { name, context: 'from-internal', sipPassword: `sip-secret-${ext}` };
  });
  return {
    // `agent` lets the relay pause a Click-to-Agent agent during the call (QueuePause, §5.5).
    users: { relay: { secret: 'relaysecret', read: ['call'], write: ['originate', 'call', 'reporting', 'agent'] } },
    extensions,
    queues: { sales: sandboxQueue(names) },
    // As on the transcripts' PBX: the relay's own variable shows up in every channel event.
    channelVars: ['C2C_ID'],
    // FreePBX's default trunk ring time: far longer than any click-to-call `timeout`.
    globals: { TRUNK_RING_TIMER: '300' },
    dialplan: { ...FREEPBX_DIALPLAN, [RECORDING_SUBROUTINE]: ['s'], [SIP_HEADER_SUBROUTINE]: ['s'], [RING_ALL_CONTEXT]: ['s'], [HUNT_CONTEXT]: ['s'] },
    recordingSubroutine: RECORDING_SUBROUTINE,
    sipHeaderSubroutine: SIP_HEADER_SUBROUTINE,
    ringAllContext: RING_ALL_CONTEXT,
    huntContext: HUNT_CONTEXT,
    // The same numbers behave alike when they ring first: a FindMe list rings its numbers as leg 1.
    leg1Outcomes: {
      '5550101': { kind: 'noanswer' },
      '5550102': { kind: 'busy' },
      '5550103': { kind: 'congestion' },
    },
    leg2Outcomes: {
      '5550100': { kind: 'answer', holdMs: 5000 },
      '5550101': { kind: 'noanswer' },
      '5550102': { kind: 'busy' },
      '5550103': { kind: 'congestion' },
    },
    timing: { ringMs: 500, holdMs: 5000 },
  };
}

/**
 * Click-to-Agent's demo queue: 1001 available, 1002 paused for lunch, 1003 paused with `Work`
 * (which the relay counts as available), 1004 on a call the queue connected, 1005 logged out.
 */
function sandboxQueue(names: string[]): DoubleQueue {
  const states: DoubleQueueMember[] = [
    {},
    { paused: true, pausedReason: 'Lunch' },
    { paused: true, pausedReason: 'Work' },
    { inCall: true, status: 2 },
    { loggedIn: false },
  ];
  const members: Record<string, DoubleQueueMember> = {};
  names.forEach((name, i) => {
    // Agents log in and out with the phone's code, which makes them dynamic members.
    members[`PJSIP/${1001 + i}`] = { name, membership: 'dynamic', ...states[i] };
  });
  return { strategy: 'ringall', members };
}

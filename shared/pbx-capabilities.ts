import type { ConnectionFacts, PbxKind } from './accounts/pbx-settings.js';
import type { FindMeStrategy } from './findme/findme-settings.js';

/** What each kind of PBX can do, in one place: the API refuses what a PBX cannot do before anything is stored or dialed. */
export interface PbxCapabilities {
  /** The call request returns only once leg 1 has answered (the default `wait` is then `timeout` + 10 s). */
  holdsUntilFirstAnswer: boolean;
  /** Call progress (answered, connected, the end) follows the verdict. */
  reportsProgress: boolean;
  /** Caller-ID numbers per leg (`first_callerid`, `second_callerid`). */
  callerIds: boolean;
  /** Recording (`record`, `warning`). */
  record: boolean;
  /** Click-to-Agent queues (SPEC §9): the agent's queue state is read before dialing and the agent paused during the call. */
  agentQueues: boolean;
  /** Click-to-FindMe hunting strategies (SPEC §9); empty when the PBX cannot hunt at all. */
  findMeStrategies: readonly FindMeStrategy[];
}

export const PBX_CAPABILITIES: Record<PbxKind, PbxCapabilities> = {
  // Caller IDs per leg through the Originate and leg 2's Dial; recording through a subroutine the PBX installs (README).
  // Queues through QueueStatus and QueuePause; a hunt follows each attempt's events and hangs up the others.
  asterisk: { holdsUntilFirstAnswer: false, reportsProgress: true, callerIds: true, record: true, agentQueues: true, findMeStrategies: ['ordered', 'simultaneous'] },
  // Switchvox sets caller-ID numbers from the extension's own settings, and its Extend API cannot start a recording.
  // Its call request returns once leg 1 answered or failed, so numbers can be tried one after another,
  // but it cannot stop the other phones ringing once one answers, and it shows no queue member's state.
  switchvox: { holdsUntilFirstAnswer: true, reportsProgress: false, callerIds: false, record: false, agentQueues: false, findMeStrategies: ['ordered'] },
  // The template decides: {first_callerid} and {second_callerid} are placeholders like the numbers (see ConnectionFacts).
  // A template answers only "accepted": nothing says whether a number answered, so there is nothing to hunt on.
  other: { holdsUntilFirstAnswer: false, reportsProgress: false, callerIds: true, record: false, agentQueues: false, findMeStrategies: [] },
};

/** Why each kind cannot do what it cannot (the messages of `unsupported_option` when an account resource is saved). */
const WHY_NOT: Partial<Record<PbxKind, { agentQueues: string; findMe: string }>> = {
  switchvox: {
    agentQueues: 'its Extend API shows no queue member\'s state and cannot pause one',
    findMe: 'it places one call at a time and cannot stop the others ringing once one answers; use "ordered"',
  },
  other: {
    agentQueues: 'an HTTP template shows no queue member\'s state and cannot pause one',
    findMe: 'an HTTP template reports no call progress, so the relay cannot know whether a number answered',
  },
};

/** Why agent queues cannot be used with this PBX, or undefined when they can. */
export function agentQueueUnsupported(kind: PbxKind): string | undefined {
  return PBX_CAPABILITIES[kind].agentQueues ? undefined : `agent queues cannot be used with the ${kind} PBX: ${WHY_NOT[kind]?.agentQueues ?? 'not supported'}.`;
}

/** Why a FindMe list with this strategy cannot be used with this PBX, or undefined when it can. */
export function findMeUnsupported(kind: PbxKind, strategy: FindMeStrategy): string | undefined {
  const strategies = PBX_CAPABILITIES[kind].findMeStrategies;
  if (strategies.includes(strategy)) return undefined;
  if (strategies.length === 0) return `FindMe lists cannot be used with the ${kind} PBX: ${WHY_NOT[kind]?.findMe ?? 'not supported'}.`;
  return `strategy "${strategy}" cannot be used with the ${kind} PBX: ${WHY_NOT[kind]?.findMe ?? 'not supported'}.`;
}

/** What a call asks for that may not be possible everywhere. */
export interface AskedOptions {
  firstCallerId: boolean;
  secondCallerId: boolean;
  record: boolean;
}

/**
 * The options a call asks for that the connection cannot do, by parameter name. `facts` are the
 * connection's own (an `other` template delivers only the caller IDs it has placeholders for).
 */
export function unsupportedOptions(kind: PbxKind, asked: AskedOptions, facts: ConnectionFacts | undefined): string[] {
  const can = PBX_CAPABILITIES[kind];
  const refused: string[] = [];
  for (const [name, wanted] of [['first_callerid', asked.firstCallerId], ['second_callerid', asked.secondCallerId]] as const) {
    if (wanted && (!can.callerIds || (facts !== undefined && !facts.caller_ids.includes(name)))) refused.push(name);
  }
  if (asked.record && !can.record) refused.push('record');
  return refused;
}

/**
 * Which FindMe calls each kind can place, as `<type>:<strategy>` (SPEC §9): type 2 rings the list
 * first, type 1 phone_to_call first. Asterisk hunts a list rung first as one call per number (in
 * turn) or through the README's ring-all context (at once), and a list rung after phone_to_call on
 * leg 2 with one Dial (at once) or through the README's hunt context (in turn).
 */
const FINDME_CALLS: Record<PbxKind, readonly string[]> = {
  asterisk: ['2:ordered', '2:simultaneous', '1:simultaneous', '1:ordered'],
  switchvox: ['2:ordered'],
  other: [],
};

/** Why this FindMe call cannot be placed on this PBX, or undefined when it can. */
export function findMeCallUnsupported(kind: PbxKind, type: 1 | 2, strategy: FindMeStrategy): string | undefined {
  const saved = findMeUnsupported(kind, strategy);
  if (saved !== undefined) return saved;
  if (FINDME_CALLS[kind].includes(`${type}:${strategy}`)) return undefined;
  const can = FINDME_CALLS[kind].map((pair) => `type=${pair.replace(':', ' with a list that is ')}`);
  return `FindMe type=${type} with ${strategy === 'ordered' ? 'an' : 'a'} ${strategy} list is not supported on the ${kind} PBX; use ${can.join(' or ')}.`;
}

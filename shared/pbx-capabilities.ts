import type { ConnectionFacts, PbxKind } from './accounts/pbx-settings.js';

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
}

export const PBX_CAPABILITIES: Record<PbxKind, PbxCapabilities> = {
  // Caller IDs per leg through the Originate and leg 2's Dial; recording through a subroutine the PBX installs (README).
  asterisk: { holdsUntilFirstAnswer: false, reportsProgress: true, callerIds: true, record: true },
  // Switchvox sets caller-ID numbers from the extension's own settings, and its Extend API cannot start a recording.
  switchvox: { holdsUntilFirstAnswer: true, reportsProgress: false, callerIds: false, record: false },
  // The template decides: {first_callerid} and {second_callerid} are placeholders like the numbers (see ConnectionFacts).
  other: { holdsUntilFirstAnswer: false, reportsProgress: false, callerIds: true, record: false },
};

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

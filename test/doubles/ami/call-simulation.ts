/**
 * What happens after an Originate is queued: leg 1 rings and answers or fails per the scripted
 * outcome, then leg 2 is dialed from leg 1's channel. Event names, fields, causes and Reason codes
 * follow the live transcripts (a, b, c, d, e, m, h4); every channel carries Linkedid = leg 1's id.
 */
import type { CallOutcome } from './ami-double-options.js';
import type { DoubleCore } from './ami-session.js';
import { type ChannelInfo, type Header, parseCallerId } from './wire.js';

export interface LegRequest {
  /** Set for Async originates: the OriginateResponse echoes it. */
  actionId: string | undefined;
  channel: string;
  context: string;
  exten: string;
  timeoutMs: number;
  callerId: string | undefined;
  variables: Record<string, string>;
  channelId: string | undefined;
  otherChannelId: string | undefined;
  /** Async only: synchronous originates produce no OriginateResponse (transcript j). */
  reportOutcome: boolean;
}

const CAUSE = {
  normal: [16, 'Normal Clearing'],
  busy: [17, 'User busy'],
  noanswer: [19, 'User alerting, no answer'],
  absent: [20, 'Subscriber absent'],
  rejected: [21, 'Call Rejected'],
  congestion: [34, 'Circuit/channel congestion'],
  unknown: [0, 'Unknown'],
} as const satisfies Record<string, readonly [number, string]>;

interface Target {
  tech: string;
  number: string;
  context: string;
  /** False when the technology or the Local context/extension does not exist. */
  reachable: boolean;
}

function parseTarget(core: DoubleCore, channel: string): Target {
  const slash = channel.indexOf('/');
  const tech = channel.slice(0, slash);
  const data = channel.slice(slash + 1);
  if (tech.toLowerCase() === 'local') {
    const [number = '', rest = ''] = data.split('@');
    const context = rest.split('/')[0] || 'default';
    return { tech: 'Local', number, context, reachable: core.dialplan.exists(context, number) };
  }
  const number = data.split(/[/@]/)[0] ?? '';
  return { tech, number, context: 'default', reachable: ['pjsip', 'sip', 'iax2', 'dahdi'].includes(tech.toLowerCase()) };
}

export async function runLeg1(core: DoubleCore, req: LegRequest): Promise<boolean> {
  const ringMs = core.options.timing?.ringMs ?? 20;
  const emit = (headers: Header[]) => core.broadcast(headers, 'call');
  const target = parseTarget(core, req.channel);
  const cid = parseCallerId(req.callerId);
  const scripted = core.options.leg1Outcomes?.[target.number];
  const outcome: CallOutcome = target.reachable ? (scripted ?? { kind: 'answer' }) : { kind: 'unavailable' };
  const local = target.tech === 'Local';
  const u1 = req.channelId ?? core.nextUniqueid();
  const suffix = core.nextSuffix();
  const base = local ? `Local/${target.number}@${target.context}-${suffix}` : `${target.tech}/${target.number}-${suffix}`;
  const one: ChannelInfo = {
    name: local ? `${base};1` : base, state: 0, cidNum: '<unknown>', cidName: '<unknown>', connNum: '<unknown>',
    connName: '<unknown>', context: target.context, exten: target.number, priority: 1, uniqueid: u1, linkedid: u1,
  };
  const two: ChannelInfo | undefined = local
    ? { ...one, name: `${base};2`, state: 4, uniqueid: req.otherChannelId ?? `${u1};2` }
    : undefined;
  const halves = two ? [two, one] : [one];
  const failure = (reason: number) => {
    if (!req.reportOutcome) return;
    emit(core.events.originateResponse({
      actionId: req.actionId, success: false, channel: req.channel, context: req.context, exten: req.exten, reason,
      uniqueid: req.channelId ?? '<unknown>', cidNum: cid.num, cidName: cid.name,
    }));
  };

  await core.delay(outcome.kind === 'noanswer' || outcome.kind === 'unavailable' ? 0 : (outcome.ringMs ?? ringMs));
  if (outcome.kind === 'unavailable') {
    if (local) {
      for (const ch of halves) emit(core.events.channelEvent('Newchannel', ch));
      for (const ch of halves) emit(core.events.hangup(ch, CAUSE.unknown));
    }
    failure(0);
    return false;
  }
  for (const ch of [one, ...(two ? [two] : [])]) emit(core.events.channelEvent('Newchannel', ch));
  // Asterisk applies the Originate's CallerID right after creating the channels.
  for (const ch of halves) Object.assign(ch, { cidNum: cid.num, cidName: cid.name, connNum: cid.num, connName: cid.name });
  emit(core.events.dialBegin(undefined, one, `${target.number}@${target.context}`));
  const ringing = () => {
    const ch = two ?? one;
    ch.state = 5;
    emit(core.events.channelEvent('Newstate', ch));
  };
  const fail = (dialStatus: string, cause: keyof typeof CAUSE, reason: number, otherHalfCause: keyof typeof CAUSE) => {
    emit(core.events.dialEnd(undefined, one, dialStatus));
    emit(core.events.hangup(two ?? one, CAUSE[cause]));
    // A direct (non-Local) channel that fails just hangs up: Reason stays 0 (§3.4 nuance).
    failure(local ? reason : reason === 3 ? 3 : 0);
    if (two) emit(core.events.hangup(one, CAUSE[otherHalfCause]));
    return false;
  };

  switch (outcome.kind) {
    case 'answer':
      for (const ch of halves) {
        ch.state = 6;
        emit(core.events.channelEvent('Newstate', ch));
      }
      emit(core.events.dialEnd(undefined, one, 'ANSWER'));
      if (req.reportOutcome) {
        emit(core.events.originateResponse({
          actionId: req.actionId, success: true, channel: one.name, context: req.context, exten: req.exten, reason: 4,
          uniqueid: u1, cidNum: cid.num, cidName: cid.name,
        }));
      }
      void runLeg2(core, req, one, two);
      return true;
    case 'busy':
      if (two) two.state = 7;
      return fail('BUSY', 'busy', 5, 'unknown');
    case 'congestion':
      return fail('CONGESTION', 'congestion', 8, 'unknown');
    case 'noanswer':
      ringing();
      await core.delay(req.timeoutMs);
      return fail('NOANSWER', 'noanswer', 3, 'noanswer');
    case 'rejected':
      ringing();
      return fail('NOANSWER', 'rejected', 0, 'rejected');
  }
}

async function runLeg2(core: DoubleCore, req: LegRequest, one: ChannelInfo, two: ChannelInfo | undefined): Promise<void> {
  const timing = core.options.timing ?? {};
  const ringMs = timing.ringMs ?? 20;
  const emit = (headers: Header[]) => core.broadcast(headers, 'call');
  const outcome = core.options.leg2Outcomes?.[req.exten] ?? { kind: 'answer' };
  // FreePBX's trunk Dial rings for TRUNK_RING_TIMER seconds; a channel variable shadows the global.
  const ringTimer = Number(req.variables.TRUNK_RING_TIMER);
  const leg2RingMs = Number.isFinite(ringTimer) && ringTimer > 0 ? ringTimer * 1000 : (timing.leg2RingMs ?? 30_000);
  Object.assign(one, { context: req.context, exten: req.exten, priority: 2 });
  const b: ChannelInfo = {
    ...one, name: `PJSIP/trunk-${core.nextSuffix()}`, state: 0, context: 'from-trunk', priority: 1,
    uniqueid: core.nextUniqueid(), linkedid: one.linkedid,
  };
  emit(core.events.channelEvent('Newchannel', b));
  emit(core.events.dialBegin(one, b, `trunk/${req.exten}`));
  const end = (dialStatus: string, cause: keyof typeof CAUSE) => {
    emit(core.events.dialEnd(one, b, dialStatus));
    emit(core.events.hangup(b, CAUSE[cause]));
  };
  switch (outcome.kind) {
    case 'answer':
      await core.delay(outcome.ringMs ?? ringMs);
      b.state = 6;
      emit(core.events.channelEvent('Newstate', b));
      emit(core.events.dialEnd(one, b, 'ANSWER'));
      await core.delay(outcome.holdMs ?? timing.holdMs ?? 5000);
      emit(core.events.hangup(b, CAUSE.normal));
      break;
    case 'busy':
      await core.delay(outcome.ringMs ?? ringMs);
      end('BUSY', 'busy');
      break;
    case 'noanswer':
      b.state = 5;
      emit(core.events.channelEvent('Newstate', b));
      await core.delay(leg2RingMs);
      end('NOANSWER', 'noanswer');
      break;
    case 'congestion':
      await core.delay(outcome.ringMs ?? ringMs);
      end('CONGESTION', 'congestion');
      break;
    case 'rejected':
      await core.delay(outcome.ringMs ?? ringMs);
      end('CHANUNAVAIL', 'rejected');
      break;
    case 'unavailable':
      end('CHANUNAVAIL', 'absent');
      break;
  }
  emit(core.events.hangup(one, CAUSE.normal));
  if (two) emit(core.events.hangup(two, CAUSE.normal));
}

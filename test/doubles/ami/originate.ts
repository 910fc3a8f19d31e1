/**
 * Originate as Asterisk's action_originate validates it (same order, same strings; §3.1) and a
 * scripted model of what the two legs then do, with the events a Local-channel call produces.
 */
import type { ActionHandler, AmiSession, DoubleCore } from './ami-session.js';
import { type LegRequest, runLeg1 } from './call-simulation.js';
import { originateVariables } from './channel-vars.js';
import { get, getAll, isTrue } from './client-input.js';
import { parseDialApp } from './dial-app.js';
import { errorReply, type Header, reply } from './wire.js';

/** What one Originate asked for, for tests to assert the relay's output. */
export interface ReceivedOriginate {
  sessionId: number;
  headers: Header[];
  actionId?: string;
  channel?: string;
  context?: string;
  exten?: string;
  priority?: string;
  timeout?: string;
  callerId?: string;
  /** The `Variable:` pairs as Asterisk parses them, names as written (`__C2C_ID`), the first of a name winning. */
  variables: Record<string, string>;
  application?: string;
  data?: string;
  async: boolean;
  channelId?: string;
  otherChannelId?: string;
  /** `queued`, or the error message Asterisk answered. */
  result: string;
}

const BLACKLISTED_APPS = ['agi', 'dbdeltree', 'exec', 'externalivr', 'mixmonitor', 'originate', 'reload', 'system'];
const BLACKLISTED_DATA = ['CURL', 'DB', 'EVAL', 'FILE', 'ODBC', 'REALTIME', 'SHELL'];

/** manager.c originate_app_permissions: application names match in any case, data words only in upper case. */
function blacklisted(app: string, data: string | undefined): boolean {
  const a = app.toLowerCase();
  const d = data ?? '';
  return BLACKLISTED_APPS.some((x) => a.includes(x)) || BLACKLISTED_DATA.some((x) => d.includes(x));
}

/** Returns the error message Asterisk would answer, or undefined when the action is accepted. */
function validate(core: DoubleCore, session: AmiSession, headers: Header[]): string | undefined {
  const channelId = get(headers, 'ChannelId') ?? '';
  const otherId = get(headers, 'OtherChannelId') ?? '';
  if (channelId.length > 149 || otherId.length > 149) return 'Uniqueid length exceeds maximum of 149\n';
  const channel = get(headers, 'Channel');
  if (!channel) return 'Channel not specified';
  const exten = get(headers, 'Exten');
  const priority = get(headers, 'Priority');
  // Labels are not modelled: a non-numeric priority is an unknown label.
  if (exten && priority && !/^\d+$/.test(priority.trim())) return 'Invalid priority';
  const timeout = get(headers, 'Timeout');
  if (timeout && !/^\s*\+?\d+/.test(timeout)) return 'Invalid timeout';
  if (!channel.includes('/')) return 'Invalid channel';
  const app = get(headers, 'Application');
  const write = new Set((session.user?.write ?? []).map((c) => c.toLowerCase()));
  if (app && blacklisted(app, get(headers, 'Data')) && !write.has('system') && !write.has('all')) {
    return 'Originate Access Forbidden: app or data blacklisted';
  }
  if (exten && priority && !core.dialplan.exists(get(headers, 'Context') || 'default', exten)) {
    return 'Extension does not exist.';
  }
  const isAsync = isTrue(get(headers, 'Async'));
  if (!isAsync && !app && exten && !(priority && get(headers, 'Context'))) {
    return "Originate with 'Exten' requires 'Context' and 'Priority'";
  }
  return undefined;
}

export function originateHandler(record: (originate: ReceivedOriginate) => void): ActionHandler {
  return {
    classes: ['originate'],
    async run({ session, core, headers, actionId }) {
      const { vars, functionWrites } = originateVariables(getAll(headers, 'Variable'));
      const variables = Object.fromEntries([...functionWrites, ...vars.entries()]);
      const isAsync = isTrue(get(headers, 'Async'));
      const error = validate(core, session, headers);
      const optional = (name: string, header: string) => {
        const value = get(headers, header);
        return value === undefined ? {} : { [name]: value };
      };
      record({
        sessionId: session.id,
        headers,
        ...optional('actionId', 'ActionID'),
        ...optional('channel', 'Channel'),
        ...optional('context', 'Context'),
        ...optional('exten', 'Exten'),
        ...optional('priority', 'Priority'),
        ...optional('timeout', 'Timeout'),
        ...optional('callerId', 'CallerID'),
        variables,
        ...optional('application', 'Application'),
        ...optional('data', 'Data'),
        async: isAsync,
        ...optional('channelId', 'ChannelId'),
        ...optional('otherChannelId', 'OtherChannelId'),
        result: error ?? 'queued',
      });
      if (error) return session.send(errorReply(actionId, error));

      const timeout = Number.parseInt(get(headers, 'Timeout') ?? '', 10);
      // func_channel.c: CHANNEL(musicclass) sets the channel's class; as for variables, the write
      // first in the action is applied last and wins (channel-vars.ts).
      const musicClass = functionWrites.find(([name]) => /^CHANNEL\(musicclass\)$/i.test(name))?.[1] ?? '';
      const application = get(headers, 'Application') || undefined;
      const data = get(headers, 'Data') ?? '';
      const request: LegRequest = {
        actionId: isAsync ? actionId : undefined,
        channel: get(headers, 'Channel') ?? '',
        context: get(headers, 'Context') ?? '',
        exten: get(headers, 'Exten') ?? '',
        timeoutMs: Number.isFinite(timeout) ? timeout : 30_000,
        callerId: get(headers, 'CallerID'),
        vars,
        musicClass,
        application: application === undefined ? undefined : { name: application, data },
        dial: application?.toLowerCase() === 'dial' ? parseDialApp(data) : undefined,
        channelId: get(headers, 'ChannelId') || undefined,
        otherChannelId: get(headers, 'OtherChannelId') || undefined,
        reportOutcome: isAsync,
      };
      if (isAsync) {
        session.send(reply('Success', actionId, [['Message', 'Originate successfully queued']]));
        if (core.output.noise) noise(core);
        void runLeg1(core, request);
        return;
      }
      // Synchronous: the session is blocked until leg 1 answers or fails, and no reason is given.
      const answered = await runLeg1(core, request);
      session.send(
        answered
          ? reply('Success', actionId, [['Message', 'Originate successfully queued']])
          : errorReply(actionId, 'Originate failed'),
      );
    },
  };
}

let noiseCounter = 0;

/** Unrelated traffic another AMI client's calls would cause (§2.3: events go to every session). */
function noise(core: DoubleCore): void {
  noiseCounter += 1;
  const foreign = `foreign-${noiseCounter}`;
  core.broadcast(
    core.events.originateResponse({
      actionId: foreign,
      channel: 'PJSIP/9999',
      context: 'from-internal',
      exten: '5551234',
      reason: 0,
      uniqueid: '<unknown>',
      cidNum: '<unknown>',
      cidName: '<unknown>',
    }),
    'call',
  );
  const channel = {
    name: `PJSIP/9999-${core.nextSuffix()}`, state: 6, cidNum: '9999', cidName: 'Other', connNum: '<unknown>',
    connName: '<unknown>', context: 'from-internal', exten: '5551234', priority: 1, uniqueid: core.nextUniqueid(),
    linkedid: foreign, vars: {},
  };
  core.broadcast(core.events.hangup(channel, [16, 'Normal Clearing']), 'call');
}

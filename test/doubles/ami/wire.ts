/**
 * Server→client message layouts of the double, copied from the live Asterisk 22 transcripts
 * (asterisk-transcripts.md): field names, order and placeholder values.
 */
export type Header = [string, string];

/** One message on the wire: CRLF after every line, an empty line at the end. */
export function formatMessage(headers: Header[]): string {
  return headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') + '\r\n';
}

/** A reply: `Response` first, `ActionID` second when the action had one (§2.3). */
export function reply(response: string, actionId: string | undefined, rest: Header[]): Header[] {
  return [['Response', response], ...(actionId === undefined ? [] : [['ActionID', actionId] as Header]), ...rest];
}

export function errorReply(actionId: string | undefined, message: string): Header[] {
  return reply('Error', actionId, [['Message', message]]);
}

export interface ChannelInfo {
  name: string;
  state: number;
  cidNum: string;
  cidName: string;
  connNum: string;
  connName: string;
  context: string;
  exten: string;
  priority: number;
  uniqueid: string;
  linkedid: string;
}

const STATE_DESC: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up', 7: 'Busy' };

function channelBlock(ch: ChannelInfo, prefix = ''): Header[] {
  return [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, String(ch.state)],
    [`${prefix}ChannelStateDesc`, STATE_DESC[ch.state] ?? 'Unknown'],
    [`${prefix}CallerIDNum`, ch.cidNum],
    [`${prefix}CallerIDName`, ch.cidName],
    [`${prefix}ConnectedLineNum`, ch.connNum],
    [`${prefix}ConnectedLineName`, ch.connName],
    [`${prefix}Language`, 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, String(ch.priority)],
    [`${prefix}Uniqueid`, ch.uniqueid],
    [`${prefix}Linkedid`, ch.linkedid],
  ];
}

export class EventBuilder {
  constructor(private readonly systemName: string | undefined) {}

  private head(event: string, privilege: string): Header[] {
    return [
      ['Event', event],
      ['Privilege', privilege],
      ...(this.systemName === undefined ? [] : [['SystemName', this.systemName] as Header]),
    ];
  }

  channelEvent(event: 'Newchannel' | 'Newstate', ch: ChannelInfo): Header[] {
    return [...this.head(event, 'call,all'), ...channelBlock(ch)];
  }

  hangup(ch: ChannelInfo, [cause, causeText]: readonly [number, string]): Header[] {
    return [...this.head('Hangup', 'call,all'), ...channelBlock(ch), ['Cause', String(cause)], ['Cause-txt', causeText]];
  }

  /** Leg 1's own dial (by the originate thread) has no caller channel, only the `Dest…` block. */
  dialBegin(caller: ChannelInfo | undefined, dest: ChannelInfo, dialString: string): Header[] {
    return [
      ...this.head('DialBegin', 'call,all'),
      ...(caller ? channelBlock(caller) : []),
      ...channelBlock(dest, 'Dest'),
      ['DialString', dialString],
    ];
  }

  dialEnd(caller: ChannelInfo | undefined, dest: ChannelInfo, status: string): Header[] {
    return [
      ...this.head('DialEnd', 'call,all'),
      ...(caller ? channelBlock(caller) : []),
      ...channelBlock(dest, 'Dest'),
      ['DialStatus', status],
    ];
  }

  /** §3.3: ActionID after Privilege/SystemName; `<unknown>` placeholders. */
  originateResponse(fields: {
    actionId: string | undefined;
    success: boolean;
    channel: string;
    context: string;
    exten: string;
    reason: number;
    uniqueid: string;
    cidNum: string;
    cidName: string;
  }): Header[] {
    return [
      ...this.head('OriginateResponse', 'call,all'),
      ...(fields.actionId === undefined ? [] : [['ActionID', fields.actionId] as Header]),
      ['Response', fields.success ? 'Success' : 'Failure'],
      ['Channel', fields.channel],
      ['Context', fields.context],
      ['Exten', fields.exten],
      ['Reason', String(fields.reason)],
      ['Uniqueid', fields.uniqueid],
      ['CallerIDNum', fields.cidNum],
      ['CallerIDName', fields.cidName],
    ];
  }

  fullyBooted(): Header[] {
    return [
      ['Event', 'FullyBooted'],
      ['Privilege', 'system,all'],
      ['Uptime', '16'],
      ['LastReload', '16'],
      ['Status', 'Fully Booted'],
    ];
  }
}

/** Asterisk's callerid parse, enough for `"Name" <num>`, `Name <num>`, `<num>` and `num`. */
export function parseCallerId(value: string | undefined): { num: string; name: string } {
  const unknown = '<unknown>';
  if (!value) return { num: unknown, name: unknown };
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (m) {
    const name = (m[1] ?? m[2] ?? '').trim();
    const num = (m[3] ?? '').replace(/[^0-9+*#]/g, '');
    return { num: num || unknown, name: name || unknown };
  }
  return /^[0-9+*#()\s-]+$/.test(value) ? { num: value.replace(/[^0-9+*#]/g, ''), name: unknown } : { num: unknown, name: value };
}

/**
 * Event layouts of the double, copied field by field from the live Asterisk 22 transcripts
 * (asterisk-transcripts.md a, b, c, d, e, k, m): names, order, placeholders, and the
 * `ChanVariable` lines manager.conf `channelvars` adds to every channel block.
 */
import type { Header } from './wire.js';

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
  /** Channel variables; Originate `Variable`s land here only after the channel exists (Newchannel shows them empty). */
  vars: Record<string, string>;
}

export interface BridgeInfo {
  uniqueid: string;
  numChannels: number;
}

export type Cause = readonly [code: number, text: string];

const STATE_DESC: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up', 7: 'Busy' };

export class EventBuilder {
  constructor(
    private readonly systemName: string | undefined,
    /** manager.conf `channelvars`: one `ChanVariable` line per name in every channel block. */
    private readonly channelVars: readonly string[] = [],
    /** Dialplan globals: a channel without its own value shows the global one (C2C_TIMEOUT=30 in the transcripts). */
    private readonly globals: Readonly<Record<string, string>> = {},
  ) {}

  private head(event: string, privilege = 'call,all'): Header[] {
    return [
      ['Event', event],
      ['Privilege', privilege],
      ...(this.systemName === undefined ? [] : [['SystemName', this.systemName] as Header]),
    ];
  }

  private variables(ch: ChannelInfo): [string, string][] {
    return this.channelVars.map((name) => [name, ch.vars[name] ?? this.globals[name] ?? '']);
  }

  /** The channel snapshot every channel event carries, optionally prefixed (`Dest`, `LocalOne`…). */
  private block(ch: ChannelInfo, prefix = ''): Header[] {
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
      ...this.variables(ch).map(([name, value]): Header => [`${prefix}ChanVariable`, `${name}=${value}`]),
    ];
  }

  /** Events that carry only the channel: MixMonitorStart/Stop are published this way (manager_channels.c). */
  channelEvent(event: 'Newchannel' | 'Newstate' | 'NewConnectedLine' | 'MixMonitorStart' | 'MixMonitorStop', ch: ChannelInfo): Header[] {
    return [...this.head(event), ...this.block(ch)];
  }

  newCallerid(ch: ChannelInfo): Header[] {
    return [...this.head('NewCallerid'), ...this.block(ch), ['CID-CallingPres', '0 (Presentation Allowed, Not Screened)']];
  }

  /** A Local channel's two halves are joined (transcript a: `LocalOptimization: Yes` unless the `/n` option). */
  localBridge(one: ChannelInfo, two: ChannelInfo, context: string, exten: string, optimize: boolean): Header[] {
    return [
      ...this.head('LocalBridge'),
      ...this.block(one, 'LocalOne'),
      ...this.block(two, 'LocalTwo'),
      ['Context', context],
      ['Exten', exten],
      ['LocalOptimization', optimize ? 'Yes' : 'No'],
    ];
  }

  /** `HangupRequest` (asked by another party) or `SoftHangupRequest` carry a Cause but no text. */
  hangupRequest(ch: ChannelInfo, cause: number, soft = false): Header[] {
    return [...this.head(soft ? 'SoftHangupRequest' : 'HangupRequest'), ...this.block(ch), ['Cause', String(cause)]];
  }

  hangup(ch: ChannelInfo, [cause, causeText]: Cause): Header[] {
    return [...this.head('Hangup'), ...this.block(ch), ['Cause', String(cause)], ['Cause-txt', causeText]];
  }

  /** Leg 1's own dial (by the originate thread) has no caller channel, only the `Dest…` block. */
  dialBegin(caller: ChannelInfo | undefined, dest: ChannelInfo, dialString: string): Header[] {
    return [...this.dial('DialBegin', caller, dest), ['DialString', dialString]];
  }

  dialState(caller: ChannelInfo | undefined, dest: ChannelInfo, status: string): Header[] {
    return [...this.dial('DialState', caller, dest), ['DialStatus', status]];
  }

  dialEnd(caller: ChannelInfo | undefined, dest: ChannelInfo, status: string): Header[] {
    return [...this.dial('DialEnd', caller, dest), ['DialStatus', status]];
  }

  private dial(event: string, caller: ChannelInfo | undefined, dest: ChannelInfo): Header[] {
    return [...this.head(event), ...(caller ? this.block(caller) : []), ...this.block(dest, 'Dest')];
  }

  bridge(event: 'BridgeCreate' | 'BridgeDestroy', bridge: BridgeInfo): Header[] {
    return [...this.head(event), ...this.bridgeBlock(bridge)];
  }

  bridgeMember(event: 'BridgeEnter' | 'BridgeLeave', bridge: BridgeInfo, ch: ChannelInfo): Header[] {
    return [...this.head(event), ...this.bridgeBlock(bridge), ...this.block(ch)];
  }

  private bridgeBlock(bridge: BridgeInfo): Header[] {
    return [
      ['BridgeUniqueid', bridge.uniqueid],
      ['BridgeType', 'basic'],
      ['BridgeTechnology', 'simple_bridge'],
      ['BridgeCreator', '<unknown>'],
      ['BridgeName', '<unknown>'],
      ['BridgeNumChannels', String(bridge.numChannels)],
      ['BridgeVideoSourceMode', 'none'],
    ];
  }

  /**
   * §3.3: ActionID after Privilege/SystemName; `<unknown>` placeholders. A success names the
   * created channel and lists its variables as `ChanVariable(<channel>)` lines (transcript a).
   * With an Application, `Application`/`Data` stand where `Context`/`Exten` do (manager.c fast_originate).
   */
  originateResponse(fields: {
    actionId: string | undefined;
    channel: string;
    context: string;
    exten: string;
    application?: { name: string; data: string } | undefined;
    reason: number;
    uniqueid: string;
    cidNum: string;
    cidName: string;
    /** Set on success only. */
    answered?: ChannelInfo;
  }): Header[] {
    const answered = fields.answered;
    return [
      ...this.head('OriginateResponse'),
      ...(fields.actionId === undefined ? [] : [['ActionID', fields.actionId] as Header]),
      ['Response', answered ? 'Success' : 'Failure'],
      ['Channel', answered ? answered.name : fields.channel],
      ...(fields.application
        ? ([['Application', fields.application.name], ['Data', fields.application.data]] as Header[])
        : ([['Context', fields.context], ['Exten', fields.exten]] as Header[])),
      ['Reason', String(fields.reason)],
      ['Uniqueid', fields.uniqueid],
      ['CallerIDNum', fields.cidNum],
      ['CallerIDName', fields.cidName],
      ...(answered ? this.variables(answered).map(([n, v]): Header => [`ChanVariable(${answered.name})`, `${n}=${v}`]) : []),
    ];
  }

  /** app_queue's member events carry the member's fields after the head, class `agent` (app_queue.c queue_member_to_ami). */
  agentEvent(event: string, fields: Header[]): Header[] {
    return [...this.head(event, 'agent,all'), ...fields];
  }

  fullyBooted(): Header[] {
    // As in §8.1, FullyBooted carries no SystemName line.
    return [['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Uptime', '16'], ['LastReload', '16'], ['Status', 'Fully Booted']];
  }
}

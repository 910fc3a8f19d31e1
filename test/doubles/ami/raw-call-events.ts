/**
 * What the raw-AMI double tests share: a double with a logged-in raw client for each test, a call's
 * events once it is over, and a readable label per event (`Hangup 1002;2 26`, `DialEnd H;2 BUSY`).
 */
import { expect } from 'chai';
import { type AmiMessage, headerValue } from '../../../worker/pbx/asterisk/ami-codec.js';
import { eventually } from '../../support/eventually.js';
import { type AmiDouble, startAmiDouble } from './ami-double.js';
import type { AmiDoubleOptions } from './ami-double-options.js';
import { connectRaw, type RawAmiClient } from './raw-ami-client.js';

/** A header's value, '' when absent. */
export const field = (m: AmiMessage, name: string): string => headerValue(m, name) ?? '';

/** Names a channel short (`1002;1`, `L1;2`); `prefix` `Dest` names a dial's callee. */
export type ChannelNamer = (m: AmiMessage, prefix?: string) => string;

/** The event, its channel (a dial by its Dest) and its cause or DialStatus. */
export function eventLabel(m: AmiMessage, who: ChannelNamer): string {
  const event = field(m, 'Event');
  if (event === 'OriginateResponse') return `OriginateResponse ${field(m, 'Response')} ${field(m, 'Reason')}`;
  const detail = event === 'Hangup' ? ` ${field(m, 'Cause')}` : field(m, 'DialStatus') ? ` ${field(m, 'DialStatus')}` : '';
  return `${event} ${field(m, 'DestChannel') ? who(m, 'Dest') : who(m)}${detail}`;
}

/** Where the event labelled `text` is among `events`; a test fails, naming them all, when it is not there. */
export function indexOfEvent(events: AmiMessage[], text: string, label: (m: AmiMessage) => string): number {
  const index = events.map(label).indexOf(text);
  expect(index, `${text} in ${events.map(label).join(', ')}`).to.be.at.least(0);
  return index;
}

export interface RawDouble {
  double: AmiDouble;
  client: RawAmiClient;
}

/** Registers an afterEach that closes what `start` opened; `start` starts a double and logs a raw client in. */
export function rawDoubleEachTest(defaults: () => AmiDoubleOptions): { start: (opts?: AmiDoubleOptions) => Promise<RawDouble>; current: () => RawDouble } {
  let opened: RawDouble | undefined;
  afterEach(async () => {
    opened?.client.close();
    await opened?.double.close();
    opened = undefined;
  });
  return {
    async start(opts = defaults()) {
      const double = await startAmiDouble(opts);
      const client = await connectRaw(double.port);
      await client.login('relay', 'relaysecret', 'call');
      opened = { double, client };
      return opened;
    },
    current: () => {
      if (!opened) throw new Error('start() first');
      return opened;
    },
  };
}

/** The events of the call whose ChannelId is `<id>-1`, once `hangups` of its channels have hung up and its OriginateResponse came. */
export function callEvents(client: RawAmiClient, id: string, hangups: number, label: (m: AmiMessage) => string, timeoutMs = 5000): Promise<AmiMessage[]> {
  return eventually(() => {
    // The Originate's own dial of leg 1 has only a Dest block, LocalBridge LocalOne/LocalTwo blocks.
    const mine = (m: AmiMessage) => ['Linkedid', 'DestLinkedid', 'LocalOneLinkedid'].some((h) => field(m, h) === `${id}-1`) || field(m, 'ActionID') === id;
    const events = client.messages().filter((m) => field(m, 'Event') && mine(m));
    const done = events.filter((m) => field(m, 'Event') === 'Hangup').length === hangups && events.some((m) => field(m, 'Event') === 'OriginateResponse');
    return done ? events : Promise.reject(new Error(`call ${id} not over: ${events.map(label).join(', ')}`));
  }, { timeoutMs });
}

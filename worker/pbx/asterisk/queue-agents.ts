/**
 * Click-to-Agent on Asterisk (asterisk-ami.md §5.5): an agent's state from `QueueStatus` (its
 * `QueueMember` event: Paused, PausedReason, InCall, Status) and pausing through `QueuePause`, which
 * needs the AMI user's `agent` write class. Restoring an agent means its earlier pause state and
 * reason, which the caller keeps (worker/plans/agent-pause-ledger.ts).
 */
import { AppError } from '../../../shared/errors.js';
import type { AgentControl, QueueMemberState } from '../pbx-driver.js';
import { type AmiMessage, headerValue } from './ami-codec.js';
import type { AmiSend } from './dial-as-lookup.js';

export function queueAgents(send: AmiSend, okPauseReasons: readonly string[]): AgentControl {
  return {
    okPauseReasons,
    async member(queue, iface) {
      const reply = await send([['Action', 'QueueStatus'], ['Queue', queue], ['Member', iface]]);
      if (headerValue(reply.response, 'Response') !== 'Success') throw refused(reply.response, 'QueueStatus');
      const member = reply.items.find((item) => headerValue(item, 'Event') === 'QueueMember' && headerValue(item, 'Queue') === queue && sameInterface(item, iface));
      return member === undefined ? undefined : memberState(member);
    },
    async pause(queue, iface, paused, reason) {
      const headers: [string, string][] = [['Action', 'QueuePause'], ['Interface', iface], ['Paused', paused ? 'true' : 'false'], ['Queue', queue]];
      if (reason !== '') headers.push(['Reason', reason]);
      const reply = await send(headers);
      if (headerValue(reply.response, 'Response') !== 'Success') throw refused(reply.response, 'QueuePause');
    },
  };
}

/** `Location` is the member's interface (`Interface` on older releases). */
function sameInterface(item: AmiMessage, iface: string): boolean {
  const location = headerValue(item, 'Location') ?? headerValue(item, 'Interface') ?? '';
  return location.toLowerCase() === iface.toLowerCase();
}

function memberState(item: AmiMessage): QueueMemberState {
  const status = Number(headerValue(item, 'Status'));
  return {
    paused: headerValue(item, 'Paused') === '1',
    reason: headerValue(item, 'PausedReason') ?? '',
    inCall: headerValue(item, 'InCall') === '1',
    status: Number.isInteger(status) ? status : 0,
  };
}

function refused(response: AmiMessage, action: string): AppError {
  const message = headerValue(response, 'Message') ?? `The PBX refused ${action}.`;
  return new AppError('pbx_error', `${action}: ${message}`);
}

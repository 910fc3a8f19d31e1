/**
 * QueueStatus and QueuePause as app_queue.c answers them (manager_queues_status,
 * manager_pause_queue_member; registered with no class and with `agent`, §5.5/§5.6).
 */
import type { ActionHandler } from './ami-session.js';
import { get, isTrue } from './client-input.js';
import { errorReply, type Header, reply } from './wire.js';

export const queueHandlers: Record<string, ActionHandler> = {
  queuestatus: {
    run({ session, core, headers, actionId }) {
      const items = core.queues.statusItems(get(headers, 'Queue') ?? '', get(headers, 'Member') ?? '', actionId);
      const id: Header[] = actionId ? [['ActionID', actionId]] : [];
      // One write: a list reply is never interrupted by events (§2.5), and it goes to this session only.
      session.send(
        reply('Success', actionId, [['EventList', 'start'], ['Message', 'Queue status will follow']]),
        ...items,
        [['Event', 'QueueStatusComplete'], ...id, ['EventList', 'Complete'], ['ListItems', String(items.length)]],
      );
    },
  },
  queuepause: {
    classes: ['agent'],
    run({ session, core, headers, actionId }) {
      const iface = get(headers, 'Interface') ?? '';
      const pausedText = get(headers, 'Paused') ?? '';
      if (iface === '' || pausedText === '') return session.send(errorReply(actionId, "Need 'Interface' and 'Paused' parameters."));
      // ast_true: anything but yes/true/y/t/1/on unpauses.
      const paused = isTrue(pausedText);
      if (!core.queues.pause(iface, paused, get(headers, 'Queue') ?? '', get(headers, 'Reason') ?? '')) {
        return session.send(errorReply(actionId, 'Interface not found'));
      }
      session.send(reply('Success', actionId, [['Message', paused ? 'Interface paused successfully' : 'Interface unpaused successfully']]));
    },
  },
};

/**
 * app_queue's queues as the double keeps them (apps/app_queue.c, Asterisk 22.10.1): members with
 * their pause state, device state and counters, the QueueStatus list items, and the member events
 * (QueueMemberStatus, QueueMemberPause, QueueMemberAdded, QueueMemberRemoved) that every session
 * reading class `agent` gets. Queue and interface names compare case-insensitively, as there.
 */
import type { DoubleQueue, DoubleQueueMember } from './ami-double-options.js';
import type { EventBuilder } from './events.js';
import type { Header } from './wire.js';

/** A member as the test sees it: app_queue.c's `struct member`, times in Unix seconds (0: never). */
export interface QueueMemberView {
  interface: string;
  name: string;
  stateInterface: string;
  membership: 'static' | 'dynamic';
  penalty: number;
  callsTaken: number;
  lastCall: number;
  lastPause: number;
  loginTime: number;
  inCall: boolean;
  status: number;
  paused: boolean;
  pausedReason: string;
  wrapuptime: number;
}

/** InCall is `starttime ? 1 : 0`: the time the queue connected the member's current call. */
type Member = Omit<QueueMemberView, 'inCall'> & { startTime: number };

interface Queue {
  name: string;
  strategy: string;
  completed: number;
  talkTime: number;
  members: Map<string, Member>;
  /** How each configured member looks when it logs (back) in. */
  configured: Map<string, DoubleQueueMember>;
}

const now = () => Math.floor(Date.now() / 1000);
const key = (name: string) => name.toLowerCase();

export class QueueModel {
  private readonly queues = new Map<string, Queue>();

  constructor(
    config: Record<string, DoubleQueue>,
    private readonly events: EventBuilder,
    private readonly broadcast: (headers: Header[], eventClass: string) => void,
  ) {
    for (const [name, queue] of Object.entries(config)) {
      const q: Queue = { name, strategy: queue.strategy ?? 'ringall', completed: 0, talkTime: 0, members: new Map(), configured: new Map() };
      this.queues.set(key(name), q);
      for (const [iface, member] of Object.entries(queue.members)) {
        q.configured.set(key(iface), member);
        if (member.loggedIn !== false) q.members.set(key(iface), createMember(iface, member));
      }
    }
  }

  /**
   * QueueStatus's items (manager_queues_status): QueueParams per queue, then its QueueMembers,
   * with ActionID last. No callers wait in the double's queues, so no QueueEntry. The members
   * come in configuration order; Asterisk lists them in hash-bucket order, so never rely on it.
   */
  statusItems(queueFilter: string, memberFilter: string, actionId: string | undefined): Header[][] {
    const id: Header[] = actionId ? [['ActionID', actionId]] : [];
    const items: Header[][] = [];
    for (const q of this.queues.values()) {
      if (queueFilter !== '' && key(queueFilter) !== key(q.name)) continue;
      items.push([
        ['Event', 'QueueParams'], ['Queue', q.name], ['Max', '0'], ['Strategy', q.strategy], ['Calls', '0'], ['Holdtime', '0'],
        ['TalkTime', String(q.talkTime)], ['Completed', String(q.completed)], ['Abandoned', '0'], ['ServiceLevel', '0'],
        // `%2.1f` of calls answered within the service level: none are, the double's queues place no calls.
        ['ServicelevelPerf', '0.0'], ['ServicelevelPerf2', '0.0'], ['Weight', '0'], ...id,
      ]);
      for (const m of q.members.values()) {
        // The Member filter is case-sensitive (strcmp) and matches the interface or the name.
        if (memberFilter !== '' && memberFilter !== m.interface && memberFilter !== m.name) continue;
        items.push([
          ['Event', 'QueueMember'], ['Queue', q.name], ['Name', m.name], ['Location', m.interface], ['StateInterface', m.stateInterface],
          // QueueStatus says `static` for a realtime member; the events say `realtime`.
          ['Membership', m.membership], ['Penalty', String(m.penalty)], ['CallsTaken', String(m.callsTaken)],
          ['LastCall', String(m.lastCall)], ['LastPause', String(m.lastPause)], ['LoginTime', String(m.loginTime)],
          ['InCall', m.startTime ? '1' : '0'], ['Status', String(m.status)], ['Paused', m.paused ? '1' : '0'],
          ['PausedReason', m.pausedReason], ['Wrapuptime', String(m.wrapuptime)], ...id,
        ]);
      }
    }
    return items;
  }

  /**
   * set_member_paused: the interface in one queue, or in every queue without one; false when it
   * is in none. Pausing again is not refused: LastPause and the reason are set anew, and the event
   * goes out again.
   */
  pause(iface: string, paused: boolean, queue: string, reason: string): boolean {
    let found = false;
    for (const q of this.queues.values()) {
      if (queue !== '' && key(queue) !== key(q.name)) continue;
      const m = q.members.get(key(iface));
      if (!m) continue;
      found = true;
      this.setPaused(q, m, paused, reason);
    }
    return found;
  }

  /** device_state_cb: in each queue, the first member whose state interface is the device takes its state. */
  deviceState(device: string, status: number): void {
    for (const q of this.queues.values()) {
      const m = [...q.members.values()].find((member) => followsDevice(member.stateInterface, device));
      if (m) this.setStatus(q, m, status);
    }
  }

  member(queue: string, iface: string): QueueMemberView | undefined {
    const m = this.queues.get(key(queue))?.members.get(key(iface));
    if (!m) return undefined;
    const { startTime, ...rest } = m;
    return { ...rest, inCall: startTime !== 0 };
  }

  /**
   * What a test does from outside: a phone's login/logout code (QueueMemberAdded/Removed, and a
   * new login starts from fresh counters), a pause from the phone (QueueMemberPause), a device
   * state change (QueueMemberStatus). Name, penalty and InCall change silently, as in Asterisk.
   */
  update(queue: string, iface: string, patch: Partial<DoubleQueueMember>): void {
    const q = this.queues.get(key(queue));
    if (!q) throw new Error(`the AMI double has no queue ${queue}`);
    const k = key(iface);
    const config = { ...q.configured.get(k), ...patch };
    q.configured.set(k, config);
    const current = q.members.get(k);
    if (patch.loggedIn === false) {
      if (current) this.publish('QueueMemberRemoved', q, current);
      q.members.delete(k);
      return;
    }
    if (!current) {
      if (patch.loggedIn !== true) throw new Error(`${iface} is not logged in to ${queue}: set loggedIn: true first`);
      const m = createMember(iface, config);
      q.members.set(k, m);
      return this.publish('QueueMemberAdded', q, m);
    }
    if (patch.name !== undefined) current.name = patch.name;
    if (patch.penalty !== undefined) current.penalty = patch.penalty;
    if (patch.inCall !== undefined) current.startTime = patch.inCall ? current.startTime || now() : 0;
    if (patch.paused !== undefined || patch.pausedReason !== undefined) {
      this.setPaused(q, current, patch.paused ?? current.paused, patch.pausedReason ?? '');
    }
    if (patch.status !== undefined) this.setStatus(q, current, patch.status);
  }

  /**
   * set_queue_member_pause: pausing sets LastPause and the reason (none: empty). An unpause
   * reported with a reason shows it in its event only; the member keeps no reason once unpaused.
   */
  private setPaused(q: Queue, m: Member, paused: boolean, reason: string): void {
    m.paused = paused;
    if (paused) m.lastPause = now();
    m.pausedReason = reason;
    this.publish('QueueMemberPause', q, m);
    if (!paused) m.pausedReason = '';
  }

  /**
   * update_status: only a change is published. Back to not-in-use ends a call the queue had
   * connected (update_queue): CallsTaken and LastCall move, InCall drops, the queue's counters too.
   */
  private setStatus(q: Queue, m: Member, status: number): void {
    if (m.status === status) return;
    if (status === 1 && m.startTime) {
      const talk = now() - m.startTime;
      Object.assign(m, { startTime: 0, lastCall: now(), callsTaken: m.callsTaken + 1 });
      q.completed += 1;
      q.talkTime = q.completed === 1 ? talk : (q.talkTime * 3 + talk) >> 2;
    }
    m.status = status;
    this.publish('QueueMemberStatus', q, m);
  }

  /** queue_member_blob_create: the fields in this order, Ringinuse between PausedReason and Wrapuptime. */
  private publish(event: string, q: Queue, m: Member): void {
    this.broadcast(
      this.events.agentEvent(event, [
        ['Queue', q.name], ['MemberName', m.name], ['Interface', m.interface], ['StateInterface', m.stateInterface],
        ['Membership', m.membership], ['Penalty', String(m.penalty)], ['CallsTaken', String(m.callsTaken)],
        ['LastCall', String(m.lastCall)], ['LastPause', String(m.lastPause)], ['LoginTime', String(m.loginTime)],
        ['InCall', m.startTime ? '1' : '0'], ['Status', String(m.status)], ['Paused', m.paused ? '1' : '0'],
        ['PausedReason', m.pausedReason], ['Ringinuse', '1'], ['Wrapuptime', String(m.wrapuptime)],
      ]),
      'agent',
    );
  }
}

/** create_queue_member: logged in now, paused since now when paused, counters at zero. */
function createMember(iface: string, config: DoubleQueueMember): Member {
  const paused = config.paused ?? false;
  const at = now();
  return {
    interface: iface, name: config.name || iface, stateInterface: config.stateInterface || iface,
    membership: config.membership ?? 'static', penalty: config.penalty ?? 0, callsTaken: 0, lastCall: 0,
    lastPause: paused ? at : 0, loginTime: at, startTime: config.inCall ? at : 0, status: config.status ?? 1,
    paused, pausedReason: config.pausedReason ?? '', wrapuptime: 0,
  };
}

/**
 * device_state_cb compares the state interface without a Local channel's `/options`; a
 * `hint:<ext>@<context>` one follows the extension's hint, which on FreePBX is `PJSIP/<ext>`.
 */
function followsDevice(stateInterface: string, device: string): boolean {
  const hint = /^hint:([^@]*)/i.exec(stateInterface);
  if (hint) return key(`PJSIP/${hint[1] ?? ''}`) === key(device);
  const local = /^(Local\/[^/]*)\//i.exec(stateInterface);
  return key(local?.[1] ?? stateInterface) === key(device);
}

/**
 * The device state of the phones the double's calls ring, as app_queue sees it (device_state_cb
 * → update_status): ringing (6) while a leg rings the phone, in use (2) once it answers, not in
 * use (1) when the call is over; several calls on one phone aggregate as devicestate.c does
 * (ringing while in use: 7). A call the queue did not place never sets InCall (queues.ts).
 */
import type { DoubleCore } from './ami-session.js';
import type { QueueModel } from './queues.js';
import type { ReceivedCall } from './received-call.js';

/**
 * The phone a leg reaches: a direct `PJSIP/<x>` (or other technology) channel is its device; a
 * Local channel reaches one only when it dials one of the double's extensions, whose device
 * FreePBX dials as `PJSIP/<ext>` (AstDB DEVICE/<ext>/dial). Anything else rings no known phone.
 */
export function phoneOf(core: DoubleCore, target: { tech: string; number: string }): string | undefined {
  if (target.tech.toLowerCase() !== 'local') return `${target.tech}/${target.number}`;
  const extensions = core.options.extensions ?? {};
  const ext = Object.hasOwn(extensions, target.number) ? extensions[target.number] : undefined;
  return ext && ext.pjsip !== false ? `PJSIP/${target.number}` : undefined;
}

type Leg = 'ringing' | 'up';

export class PhoneDevices {
  private readonly calls = new Map<string, Map<ReceivedCall, Leg>>();

  constructor(private readonly queues: QueueModel) {}

  ringing(call: ReceivedCall, device: string): void {
    this.set(call, device, 'ringing');
  }

  answered(call: ReceivedCall, device: string): void {
    this.set(call, device, 'up');
  }

  /** The call is over: every phone it held is freed (or shows what its other calls leave). */
  ended(call: ReceivedCall): void {
    for (const [device, legs] of this.calls) {
      if (!legs.delete(call)) continue;
      if (legs.size === 0) this.calls.delete(device);
      this.queues.deviceState(device, aggregate(legs));
    }
  }

  private set(call: ReceivedCall, device: string, leg: Leg): void {
    const id = device.toLowerCase();
    const legs = this.calls.get(id) ?? new Map<ReceivedCall, Leg>();
    this.calls.set(id, legs.set(call, leg));
    this.queues.deviceState(device, aggregate(legs));
  }
}

function aggregate(legs: Map<ReceivedCall, Leg>): number {
  const states = new Set(legs.values());
  if (states.has('up')) return states.has('ringing') ? 7 : 2;
  return states.has('ringing') ? 6 : 1;
}

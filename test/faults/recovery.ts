/** After a fault: does every web process get a call accepted by the PBX again, by itself? */
import { eventually } from '../support/eventually.js';
import type { FaultRig } from './fault-rig.js';
import type { Click2CallAnswer, SentRequest } from './load.js';

export interface Recovery {
  recovered: boolean;
  /** From `sinceMs` (the end of the fault) until the last web process had a call accepted. */
  recovery_ms: number;
  /** The probe requests, to be audited like the load's. */
  probes: SentRequest[];
}

/** Probe numbers are never reused, or the reload window would answer a probe with an earlier one. */
let probeNumber = 5_559_900_000;

export async function awaitRecovery(rig: FaultRig, sinceMs: number, pbx: 'other' | 'asterisk' = 'other', timeoutMs = 30_000): Promise<Recovery> {
  const probes: SentRequest[] = [];
  const probe = async (base: string): Promise<boolean> => {
    const sent: SentRequest = { index: -1 - probes.length, base, wait: 5, sentAt: Date.now() };
    probes.push(sent);
    probeNumber += 1;
    const params = new URLSearchParams({ dial_first: '1001', dial_second: String(probeNumber), pbx, wait: '5' });
    try {
      const response = await fetch(`${base}/v1/click2call?${params}`, { headers: { 'x-api-key': rig.apiKey }, signal: AbortSignal.timeout(10_000) });
      sent.answer = ((await response.json()) as { response: Click2CallAnswer }).response;
    } catch (err) {
      sent.transportError = String(err);
    }
    sent.answeredAt = Date.now();
    return sent.answer?.status === 'success' && sent.answer.state === 'accepted';
  };
  try {
    for (const base of rig.bases) await eventually(() => probe(base), { timeoutMs, intervalMs: 250 });
    return { recovered: true, recovery_ms: Date.now() - sinceMs, probes };
  } catch {
    return { recovered: false, recovery_ms: Date.now() - sinceMs, probes };
  }
}

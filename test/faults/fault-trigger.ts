/**
 * Faults are injected when the load has reached a point (answers so far, calls at the PBX), not
 * after a fixed sleep. When that point never comes, the error says which point and what the load
 * had received by then, so a broken relay is told apart from a broken test.
 */
import { eventually } from '../support/eventually.js';
import { answerSummary, type Load } from './load.js';

export async function when(what: string, condition: () => boolean, load: Load, timeoutMs = 15_000): Promise<void> {
  try {
    await eventually(condition, { timeoutMs, intervalMs: 20 });
  } catch {
    throw new Error(`the load never reached "${what}" within ${timeoutMs} ms; answers so far: ${answerSummary(load.sent)}`);
  }
}

/**
 * Where real Asterisk varies the order of a call's events (asterisk-ami.md §5.6, transcripts b, c,
 * d, k, m): a burst of events is written as independent *chains*. Within a chain the order is
 * causal and never changes (a HangupRequest before its Hangup); between chains the live PBX has
 * been seen to interleave them differently from one call to the next (OriginateResponse before or
 * after DialEnd, Hangup `;1` before or after Hangup `;2`). By default the double keeps the order
 * of the transcript; with a seed it picks a random interleaving, reproducibly.
 */
import type { Header } from './wire.js';

/**
 * One event of a burst and the chain it belongs to; a burst lists them in transcript order. An
 * event given as a function is built when written, for fields that depend on the order chosen
 * (a bridge's channel count as its members leave).
 */
export interface BurstStep {
  chain: string;
  event: Header[] | (() => Header[]);
}

/** mulberry32: a tiny seeded generator, so a failing order can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniformly random interleaving of the burst's chains that keeps each chain's own order:
 * at each step the next event is taken from a chain chosen with weight = events it has left.
 */
export function interleave<T extends { chain: string }>(steps: readonly T[], random: () => number): T[] {
  const chains = new Map<string, T[]>();
  for (const step of steps) {
    const chain = chains.get(step.chain);
    if (chain) chain.push(step);
    else chains.set(step.chain, [step]);
  }
  const queues = [...chains.values()];
  const out: T[] = [];
  for (let left = steps.length; left > 0; left--) {
    let pick = Math.floor(random() * left);
    const queue = queues.find((q) => {
      if (pick < q.length) return true;
      pick -= q.length;
      return false;
    });
    const next = queue?.shift();
    if (next) out.push(next);
  }
  return out;
}

/** The events of a burst in the order the double writes them. */
export function orderBurst(steps: readonly BurstStep[], random: (() => number) | undefined): Header[][] {
  return (random ? interleave(steps, random) : steps).map((step) => (typeof step.event === 'function' ? step.event() : step.event));
}

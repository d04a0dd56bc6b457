// Does the bench's figure for a contender agree with a by-hand run? The cross-check measures the
// two back to back, round after round (a fresh pair of instances each round), so the unit of
// comparison is the pair: its ratio cancels the machine's drift between rounds (here a server
// ran 40k in one minute and 55k in the next), which the difference of two medians does not.
import type { CrossCheck } from '../records.js';
import { median } from './summary.js';

/** The bench and a by-hand run of the same contender may differ by this much and still agree. */
export const AGREEMENT = 0.1;

/** bench / by hand, per pair (an older record whose two sides do not line up has none). */
export function pairRatios(c: CrossCheck): number[] {
  if (c.benchRounds.length !== c.byHandRounds.length) return [];
  return c.benchRounds.map((bench, i) => bench / c.byHandRounds[i]);
}

/** The median of the pairs' ratios, as a signed offset (-0.05: the bench measures 5% low). */
export function pairedOffset(c: CrossCheck): number {
  const r = pairRatios(c);
  return r.length ? median(r) - 1 : c.difference;
}

export function agrees(c: CrossCheck): boolean {
  return Math.abs(pairedOffset(c)) <= AGREEMENT;
}

/** A pooled contender whose median pair is within AGREEMENT. */
export function pooledAgrees(p: Pooled): boolean {
  return Math.abs(p.median - 1) <= AGREEMENT;
}

export interface Pooled {
  contender: string;
  pairs: number;
  /** Median bench / by-hand ratio over every pair of every cell of the contender. */
  median: number;
  /** The middle half of those ratios. */
  q1: number;
  q3: number;
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.ceil(at)] - sorted[lo]) * (at - lo);
}

/**
 * Per contender, every pair pooled: a bench that misreports a contender (as it once did uws+fetch,
 * by 40%) shifts all of its pairs, which one cell's four pairs cannot tell from luck.
 */
export function pooledByContender(checks: CrossCheck[]): Pooled[] {
  const by = new Map<string, number[]>();
  for (const c of checks) by.set(c.contender, [...(by.get(c.contender) ?? []), ...pairRatios(c)]);
  return [...by]
    .filter(([, r]) => r.length > 0)
    .map(([contender, r]) => {
      const s = [...r].sort((a, b) => a - b);
      return { contender, pairs: s.length, median: median(s), q1: quantile(s, 0.25), q3: quantile(s, 0.75) };
    });
}

/** Binary-classification figures with their uncertainty, for guardrails:eval. */
export interface Confusion {
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
  trueNegatives: number;
}

export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
  readonly successes: number;
  readonly trials: number;
}

/** Wilson score interval for a binomial proportion (95% by default): sound at 0, 1 and small n. */
export function wilson(successes: number, trials: number, z = 1.959964): Interval {
  if (trials === 0) return { estimate: NaN, low: NaN, high: NaN, successes, trials };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), successes, trials };
}

export function emptyConfusion(): Confusion {
  return { truePositives: 0, falseNegatives: 0, falsePositives: 0, trueNegatives: 0 };
}

export function tally(confusion: Confusion, actual: boolean, predicted: boolean): void {
  if (actual && predicted) confusion.truePositives++;
  else if (actual) confusion.falseNegatives++;
  else if (predicted) confusion.falsePositives++;
  else confusion.trueNegatives++;
}

export function precision(c: Confusion): Interval {
  return wilson(c.truePositives, c.truePositives + c.falsePositives);
}

export function recall(c: Confusion): Interval {
  return wilson(c.truePositives, c.truePositives + c.falseNegatives);
}

export function falsePositiveRate(c: Confusion): Interval {
  return wilson(c.falsePositives, c.falsePositives + c.trueNegatives);
}

export function formatInterval(interval: Interval): string {
  if (interval.trials === 0) return 'n/a (no lines)';
  const f = (x: number) => x.toFixed(3);
  return `${f(interval.estimate)} [${f(interval.low)}, ${f(interval.high)}] (${interval.successes}/${interval.trials})`;
}

import { featureVector, windows, type SparseVector } from './features';
import { decodeWeights, type InjectionModel } from './model';
import { normalise } from './normalise';
import { analyse } from './patterns';

/**
 * Scores one text for prompt injection: normalise (and decode what was hidden), match the rules on
 * every reading, then the classifier over n-grams of each window, with the rules' weights added, and
 * the calibration on top. Deterministic, local, and silent: it never logs, and what it returns names
 * rules, never the text.
 */
export interface InjectionScore {
  /** Calibrated probability that the text is an injection attempt. */
  readonly score: number;
  readonly injection: boolean;
  /** Ids of the rules and hiding signals that fired (from a fixed catalogue; never any of the text). */
  readonly signals: readonly string[];
}

/** What the classifier reads of a text: its windows, the rule and signal ids, and the term sets present. */
export interface Reading {
  readonly documents: readonly string[];
  readonly signals: readonly string[];
  readonly terms: readonly string[];
}

export function readText(text: string, window: InjectionModel['window']): Reading {
  const normalised = normalise(text);
  const signals = new Set(normalised.signals);
  const terms = new Set<string>();
  const readings = [normalised.text, ...normalised.views.map((v) => v.text)];
  for (const reading of readings) {
    const found = analyse(reading);
    for (const id of found.rules) signals.add(id);
    for (const set of found.terms) terms.add(`term.${set}`);
  }
  return {
    documents: windows(readings.join('\n'), window.size, window.step),
    signals: [...signals].sort(),
    terms: [...terms].sort(),
  };
}

/**
 * The combiner's inputs besides the n-grams: each signal, each family of signals ("reveal.*") once,
 * so a rule seldom seen in training still borrows the weight its family earned, and each term set
 * present.
 */
export function combinerFeatures(reading: Reading): string[] {
  const families = new Set(reading.signals.map((id) => `${id.slice(0, id.indexOf('.'))}.*`));
  // How many distinct rules fired, beyond mere mentions: evidence adds up, and a text that makes
  // several moves at once (an override, an address to the model, secrecy) is rarely benign.
  const moves = reading.signals.filter((id) => !MENTIONS.has(id)).length;
  const counts = [1, 2, 3, 4, 5, 6].filter((n) => moves >= n).map((n) => `rules>=${n}`);
  return [...reading.signals, ...[...families].sort(), ...reading.terms, ...counts];
}

/** Signals that name a topic rather than a move: they count for their weight, not as a move. */
const MENTIONS = new Set(['reveal.mentions-prompt']);

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class InjectionDetector {
  readonly threshold: number;
  private readonly weights: Float32Array;
  private readonly mask: number;

  constructor(
    readonly model: InjectionModel,
    options: { threshold?: number } = {},
  ) {
    this.threshold = options.threshold ?? model.threshold;
    if (!(this.threshold > 0 && this.threshold < 1)) throw new Error('threshold must lie between 0 and 1');
    this.weights = decodeWeights(model);
    this.mask = model.buckets - 1;
  }

  score(text: string): InjectionScore {
    const reading = readText(text, this.model.window);
    const score = sigmoid(this.model.calibration.a * this.logit(reading) + this.model.calibration.b);
    return { score, injection: score >= this.threshold, signals: reading.signals };
  }

  /** Uncalibrated log-odds: bias + rule weights + the highest-scoring window's n-grams. */
  logit(reading: Reading): number {
    let logit = this.model.bias;
    for (const id of combinerFeatures(reading)) logit += this.model.rules[id] ?? 0;
    let best = -Infinity;
    for (const document of reading.documents) best = Math.max(best, this.dot(featureVector(document, this.mask)));
    return logit + best;
  }

  private dot(vector: SparseVector): number {
    let sum = 0;
    for (let i = 0; i < vector.indices.length; i++) sum += this.weights[vector.indices[i]];
    return sum * vector.value;
  }
}

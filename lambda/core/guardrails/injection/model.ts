import { readFileSync } from 'node:fs';

/**
 * The detector's model file: a logistic regression over hashed n-grams (quantised to one signed byte
 * a weight, base64) plus one weight per rule and signal id, a Platt calibration fitted on the tuning
 * split, and the threshold chosen there. `npm run guardrails:train` writes it; same data, same bytes.
 */
export interface InjectionModel {
  readonly version: 1;
  /** Size of the hashed feature table, a power of two. */
  readonly buckets: number;
  /** n-gram weight = byte * scale. */
  readonly scale: number;
  /** base64 of `buckets` signed bytes. */
  readonly weights: string;
  /** Weight of each rule or signal id when present. */
  readonly rules: Readonly<Record<string, number>>;
  readonly bias: number;
  /** Calibrated score = sigmoid(a * logit + b). */
  readonly calibration: { readonly a: number; readonly b: number };
  /** Calibrated score at or above which a text counts as an injection. */
  readonly threshold: number;
  /** Long texts are read in overlapping windows of this many characters. */
  readonly window: { readonly size: number; readonly step: number };
}

export function loadInjectionModel(path: string): InjectionModel {
  const model = JSON.parse(readFileSync(path, 'utf8')) as InjectionModel;
  if (model.version !== 1 || typeof model.weights !== 'string' || (model.buckets & (model.buckets - 1)) !== 0)
    throw new Error(`${path} is not an injection model written by guardrails:train`);
  return model;
}

export function decodeWeights(model: InjectionModel): Float32Array {
  const raw = Buffer.from(model.weights, 'base64');
  const bytes = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  if (bytes.length !== model.buckets) throw new Error(`model weights hold ${bytes.length} of ${model.buckets} buckets`);
  const weights = new Float32Array(model.buckets);
  for (let i = 0; i < bytes.length; i++) weights[i] = bytes[i] * model.scale;
  return weights;
}

import { createHash } from 'node:crypto';

export const SPLITS = ['train', 'tune', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];

/** A group's split from a hash of its key: about 60% training, 15% tuning, 25% held out. */
export function splitOf(groupKey: string): Split {
  const bucket = createHash('sha256').update(groupKey).digest().readUInt32BE(0) % 100;
  return bucket < 60 ? 'train' : bucket < 75 ? 'tune' : 'heldout';
}

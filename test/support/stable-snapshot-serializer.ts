/**
 * Keeps template snapshots stable across runs and machines: asset hashes (which depend on the
 * checkout path through source maps, and on the aws-cdk-lib version) are replaced by a marker.
 * Everything else in the template stays as synthesized, so any real change shows in the diff.
 */
const HASH = /[0-9a-f]{64}/g;
const MARKER = Symbol.for('stable-snapshot-serialized');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function mask(value: Json): Json {
  if (typeof value === 'string') return value.replace(HASH, '[ASSET-HASH]');
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(HASH, '[ASSET-HASH]'), mask(v)]));
  }
  return value;
}

function needsMasking(value: Json): boolean {
  return JSON.stringify(value).search(HASH) !== -1;
}

const serializer = {
  test(value: unknown): boolean {
    return (
      value !== null &&
      typeof value === 'object' &&
      !(value as Record<symbol, boolean>)[MARKER] &&
      needsMasking(value as Json)
    );
  },
  serialize(
    value: Json,
    config: unknown,
    indentation: string,
    depth: number,
    refs: unknown,
    printer: (value: unknown, config: unknown, indentation: string, depth: number, refs: unknown) => string,
  ): string {
    const masked = mask(value) as Record<string | symbol, unknown>;
    Object.defineProperty(masked, MARKER, { value: true, enumerable: false });
    return printer(masked, config, indentation, depth, refs);
  },
};

export = serializer;

'use strict';
/**
 * Keeps the template snapshot stable across machines and rebuilds: asset hashes (the handlers'
 * code, the gateway's config layer) become a marker, everything else stays as synthesized.
 */
const HASH = /[0-9a-f]{64}/g;
const MASKED = Symbol.for('consumer-app-masked');

function mask(value) {
  if (typeof value === 'string') return value.replace(HASH, '[ASSET-HASH]');
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(HASH, '[ASSET-HASH]'), mask(v)]));
  }
  return value;
}

module.exports = {
  test: (value) =>
    value !== null && typeof value === 'object' && !value[MASKED] && /[0-9a-f]{64}/.test(JSON.stringify(value)),
  serialize(value, config, indentation, depth, refs, printer) {
    const masked = mask(value);
    Object.defineProperty(masked, MASKED, { value: true, enumerable: false });
    return printer(masked, config, indentation, depth, refs);
  },
};

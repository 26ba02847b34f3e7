'use strict';
/**
 * Keeps the template snapshot stable across machines and rebuilds: asset hashes (the handlers'
 * code, the gateway's config layer) become a marker, everything else stays as synthesized.
 */
const HASH = /[0-9a-f]{64}/g;
const MASKED = Symbol.for('consumer-app-masked');

// API Gateway names each deployment by a hash of the API, which takes in the functions' code.
const DEPLOYMENT = /(Deployment[0-9A-F]{8})[0-9a-f]{32}/g;

function maskString(text) {
  return text.replace(HASH, '[ASSET-HASH]').replace(DEPLOYMENT, '$1[HASH]');
}

function mask(value) {
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [maskString(k), mask(v)]));
  }
  return value;
}

module.exports = {
  test: (value) =>
    value !== null &&
    typeof value === 'object' &&
    !value[MASKED] &&
    /[0-9a-f]{64}|Deployment[0-9A-F]{8}[0-9a-f]{32}/.test(JSON.stringify(value)),
  serialize(value, config, indentation, depth, refs, printer) {
    const masked = mask(value);
    Object.defineProperty(masked, MASKED, { value: true, enumerable: false });
    return printer(masked, config, indentation, depth, refs);
  },
};

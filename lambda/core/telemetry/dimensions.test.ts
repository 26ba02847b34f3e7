import { DimensionPolicy, dimensionPolicyFromEnv } from './dimensions';

test('listed tenants are dimensions; every other tenant is not', () => {
  const policy = new DimensionPolicy(dimensionPolicyFromEnv({ LLM_METRICS_TENANTS: 'acme, globex' }));
  expect([policy.tenant('acme'), policy.tenant('globex'), policy.tenant('initech'), policy.tenant(undefined)]).toEqual([
    'acme',
    'globex',
    undefined,
    undefined,
  ]);
});

test('features: the listed always, others up to the cap, then "other"; none is "untagged"', () => {
  const policy = new DimensionPolicy(
    dimensionPolicyFromEnv({ LLM_METRICS_FEATURES: 'billing', LLM_METRICS_MAX_FEATURES: '2' }),
  );
  expect(['a', 'b', 'c', 'a', 'billing', undefined].map((f) => policy.feature(f))).toEqual([
    'a',
    'b',
    'other',
    'a',
    'billing',
    'untagged',
  ]);
});

test('a cap that is not a number is refused with what was given', () => {
  expect(() => dimensionPolicyFromEnv({ LLM_METRICS_MAX_FEATURES: 'lots' })).toThrow(
    'LLM_METRICS_MAX_FEATURES is "lots": it must be a whole number of distinct features (e.g. 25).',
  );
});

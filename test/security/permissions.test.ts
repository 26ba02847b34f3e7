import { bundleHandlers, type HandlerBundle } from './permissions/bundle-commands';
import { bundleMismatches, deniedCalls, unusedGrants, type Grant } from './permissions/checks';
import { HANDLER_AWS_CALLS } from './permissions/declarations';
import { callTable, checkStage, type StagePermissions } from './permissions/stage-permissions';
import { UNUSED_GRANTS_THAT_STAY } from './permissions/unused-grants-that-stay';
import { synthesizedStages } from '../support/stage-assembly';

/**
 * What each deployed function's role may do against what its code calls (issue 21): the calls each
 * handler declares beside itself (`lambda/<handler>/aws-calls.ts`), resolved to the resources its
 * construct wires in each stage, evaluated with an offline IAM simulator against the role's policies
 * and the resource and key policies of the template; the declarations checked against the SDK
 * commands of each handler's bundle; and every grant no call needs reported (and failing, unless
 * `unused-grants-that-stay.ts` says why it stays). `permissions-checks.test.ts` shows each check failing.
 * `PERMISSIONS_TABLE=1` prints each stage's calls with the statements that allow them, as a Markdown table.
 */
const stages = synthesizedStages();
const checked = new Map<string, Promise<StagePermissions>>();
const permissionsOf = (name: string): Promise<StagePermissions> => {
  const stage = stages.find((s) => s.name === name)!;
  if (!checked.has(name)) checked.set(name, checkStage(stage));
  return checked.get(name)!;
};

const isAllowedToStay = (grant: Grant): boolean => UNUSED_GRANTS_THAT_STAY.some((entry) => entry.matches(grant));

describe.each(stages.map((stage) => stage.name))('%s stage', (name) => {
  test('every Lambda function is a platform handler with declared calls, or an aws-cdk-lib function named with what it is', async () => {
    const { functions } = await permissionsOf(name);
    const unknown = functions.filter(({ fn, notOurs }) => !fn.handler && !notOurs).map(({ fn }) => fn.logicalId);
    expect(unknown).toEqual([]);
    // Every platform handler the stage deploys is checked (Dev has no serving cluster, so its set is smaller).
    const handlers = functions.flatMap(({ fn }) => (fn.handler ? [fn.handler] : []));
    expect(new Set(handlers)).toEqual(new Set(Object.keys(HANDLER_AWS_CALLS)));
  });

  test('every call a function makes with its role is allowed by the role and the resource and key policies', async () => {
    const { functions } = await permissionsOf(name);
    if (process.env.PERMISSIONS_TABLE) process.stdout.write(`\n${callTable(name, functions)}\n`);
    const denied = functions.flatMap(({ fn, verdicts }) => deniedCalls(fn, verdicts));
    expect(denied).toEqual([]);
    // The test evaluated something for every declared function (not an empty pass).
    for (const { fn, declaration, verdicts } of functions)
      if (declaration) expect([fn.logicalId, verdicts.length > 0]).toEqual([fn.logicalId, true]);
  });

  test('no grant of a checked role goes unused, except the ones that stay for a stated reason', async () => {
    const { functions } = await permissionsOf(name);
    const unused = unusedGrants(functions.filter(({ declaration }) => declaration));
    const unexplained = unused.filter((grant) => !isAllowedToStay(grant));
    const explained = unused.filter(isAllowedToStay);
    process.stdout.write(
      `\n${name}: ${explained.length} grants no call needs stay for a stated reason (unused-grants-that-stay.ts):\n` +
        explained.map((g) => `  ${g.statement}: ${g.action} on ${g.resource}`).join('\n') +
        '\n',
    );
    expect(unexplained.map((g) => `${g.statement}: ${g.action} on ${g.resource} — no declared call needs it`)).toEqual(
      [],
    );
  });
});

test('each grant that stays for a reason still matches an unused grant in some stage (no stale entry)', async () => {
  const unused = (await Promise.all(stages.map((stage) => permissionsOf(stage.name)))).flatMap(({ functions }) =>
    unusedGrants(functions.filter(({ declaration }) => declaration)),
  );
  const stale = UNUSED_GRANTS_THAT_STAY.filter((entry) => !unused.some((grant) => entry.matches(grant)));
  expect(stale.map((entry) => entry.reason)).toEqual([]);
});

describe('handler bundles', () => {
  let bundles: HandlerBundle[];
  beforeAll(async () => {
    bundles = await bundleHandlers();
  }, 180_000);

  test.each(Object.keys(HANDLER_AWS_CALLS) as (keyof typeof HANDLER_AWS_CALLS)[])(
    "%s: the declared calls are exactly the AWS SDK commands of the handler's bundle",
    (handler) => {
      const bundle = bundles.find((b) => b.handler === handler)!;
      expect(bundle.commands.length).toBeGreaterThan(0);
      expect(bundleMismatches(HANDLER_AWS_CALLS[handler], bundle)).toEqual([]);
    },
  );
});

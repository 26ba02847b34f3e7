import type { HandlerAwsCalls } from '../../../lambda/contract/aws-calls';
import type { HandlerBundle } from './bundle-commands';
import type { StageFunction } from './function-inventory';
import { resolveDeclaredCalls, type CallContext, type ResolvedCall } from './resolved-calls';
import { kmsCallsOnBehalf, lambdaServiceCalls } from './service-calls';
import { simulateCall, type CallVerdict } from './simulate';

/** Every call a function's role makes (declared, Lambda's, KMS on its behalf), each evaluated once. */
export async function verdictsOf(
  context: CallContext,
  fn: StageFunction,
  declaration: HandlerAwsCalls,
): Promise<CallVerdict[]> {
  const own = [...resolveDeclaredCalls(context, fn, declaration.calls), ...lambdaServiceCalls(context.resolver, fn)];
  const calls = new Map<string, ResolvedCall>();
  for (const call of [...own, ...kmsCallsOnBehalf(context.resolver, own)]) {
    const key = `${call.action} ${call.resource} ${JSON.stringify(call.context)}`;
    if (!calls.has(key)) calls.set(key, call);
  }
  return Promise.all([...calls.values()].map((call) => simulateCall(context.resolver, fn, call)));
}

const describeContext = (context: Readonly<Record<string, string>>): string =>
  Object.keys(context).length === 0
    ? ''
    : ` with ${Object.entries(context)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;

/** A readable line for each call that is not allowed. */
export function deniedCalls(fn: StageFunction, verdicts: readonly CallVerdict[]): string[] {
  return verdicts
    .filter((verdict) => verdict.result !== 'Allowed')
    .map(({ call, result, error }) => {
      const source =
        call.by === 'code'
          ? `declared in lambda/${fn.handler}/aws-calls.ts`
          : call.by === 'lambda'
            ? 'made by Lambda with the role'
            : 'made by the service on its behalf';
      return (
        `${fn.logicalId} (${fn.handler ?? 'not a platform handler'}): ${call.action} on ${call.resource}${describeContext(call.context)} ` +
        `is ${result}${error ? ` (${error})` : ''}; it ${call.why} (${source}). Grant it in the construct that deploys the function, ` +
        'or in the resource or key policy.'
      );
    });
}

/**
 * The bundle check: every SDK command the handler's bundle holds is a declared call's action or a
 * declared `bundledButNotCalled`, and every declared call's action and every `bundledButNotCalled`
 * is in the bundle (a stale declaration fails too).
 */
export function bundleMismatches(declaration: HandlerAwsCalls, bundle: HandlerBundle): string[] {
  const problems: string[] = [];
  const declaredActions = new Set<string>(declaration.calls.map((call) => call.action));
  const unreached = new Set((declaration.bundledButNotCalled ?? []).map((entry) => entry.command));
  const at = `lambda/${bundle.handler}/aws-calls.ts`;
  if (bundle.rawSigV4) {
    problems.push(
      `${bundle.handler}: the bundle signs AWS requests itself (AWS4-HMAC-SHA256): declare those calls and teach bundle-commands.ts to find them`,
    );
  }
  for (const { command, action, importedBy } of bundle.commands) {
    if (!declaredActions.has(action) && !unreached.has(command)) {
      problems.push(
        `${bundle.handler}: the bundle sends ${command} (${action}, imported by ${importedBy.join(', ')}) but ${at} declares no ${action} call ` +
          '(declare the call with its resource, or list the command under bundledButNotCalled with the reason it is never sent)',
      );
    }
  }
  const bundledActions = new Set(bundle.commands.map((command) => command.action));
  const bundledCommands = new Set(bundle.commands.map((command) => command.command));
  for (const action of declaredActions) {
    if (!bundledActions.has(action))
      problems.push(`${bundle.handler}: ${at} declares ${action}, but no command of the bundle needs it`);
  }
  for (const command of unreached) {
    if (!bundledCommands.has(command))
      problems.push(
        `${bundle.handler}: ${at} lists ${command} under bundledButNotCalled, but the bundle does not hold it`,
      );
  }
  return problems;
}

/** An allowed action on a resource that a role's policy grants. */
export interface Grant {
  readonly role: string;
  readonly statement: string;
  readonly action: string;
  readonly resource: string;
}

const asList = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : [...value];

/** IAM's wildcard match (`*` any run, `?` one character). */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

/**
 * The grants of the roles' identity policies that no allowed call needs: each action and resource of
 * each Allow statement, unless some call allowed for a function with that role matches both.
 */
export function unusedGrants(functions: readonly { fn: StageFunction; verdicts: readonly CallVerdict[] }[]): Grant[] {
  const unused: Grant[] = [];
  const byRole = new Map<string, { fn: StageFunction; calls: ResolvedCall[] }>();
  for (const { fn, verdicts } of functions) {
    const entry = byRole.get(fn.roleLogicalId) ?? { fn, calls: [] };
    entry.calls.push(...verdicts.filter((v) => v.result === 'Allowed').map((v) => v.call));
    byRole.set(fn.roleLogicalId, entry);
  }
  for (const [role, { fn, calls }] of byRole) {
    for (const { name, policy } of fn.identityPolicies) {
      policy.Statement.forEach((statement, index) => {
        if (statement.Effect !== 'Allow') return;
        const label = `${name}#${statement.Sid ?? index}`;
        for (const action of asList(statement.Action as string | string[] | undefined)) {
          for (const resource of asList(statement.Resource as string | string[] | undefined)) {
            const used = calls.some(
              (call) => wildcardMatches(action, call.action, true) && wildcardMatches(resource, call.resource),
            );
            if (!used) unused.push({ role, statement: label, action, resource });
          }
        }
      });
    }
  }
  return unused;
}

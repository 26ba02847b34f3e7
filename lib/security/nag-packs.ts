import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The rule packs every stage is held to, at every synth and in `npm test`. */
export function platformNagPacks(): NagPack[] {
  return [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()];
}

/**
 * Every error the rule packs report below `scope` that no acknowledgment covers, one line each:
 * `Pack: Rule at construct/path`. Warnings are advice and are not counted.
 */
export function unacknowledgedNagErrors(scope: IConstruct): string[] {
  return platformNagPacks().flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.filter((violation) => violation.severity === 'error')
      .flatMap((violation) =>
        violation.violatingResources.map(
          // cdk-nag reports construct paths, which the public report type does not declare.
          (resource) =>
            `${pack.name}: ${violation.ruleName} at ${(resource as { constructPath?: string }).constructPath}`,
        ),
      ),
  );
}

/** Throws, listing every finding, when the rule packs report any unacknowledged error. */
export function assertNagClean(scope: IConstruct): void {
  const findings = unacknowledgedNagErrors(scope);
  if (findings.length > 0) {
    throw new Error(
      `cdk-nag: ${findings.length} unacknowledged error${findings.length > 1 ? 's' : ''}:\n` +
        findings.map((f) => `  - ${f}`).join('\n') +
        '\nFix the construct; if the finding is wrong for this design, acknowledge it with a reason in ' +
        'lib/security/acknowledgments.ts.',
    );
  }
}

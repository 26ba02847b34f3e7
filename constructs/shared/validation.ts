import type { IConstruct } from 'constructs';

/**
 * The one way the constructs of this package check their props: every problem is collected, each
 * saying what was given and what to do, and all are reported in one error naming the construct
 * (`VectorStore Dev/Platform/VectorStore: port is 5432; give ...`), so that a user fixes them in
 * one round. A check that depends on what is added after the constructor (routes, grants,
 * subscriptions) goes in `checkAtSynth`, which the CDK runs before it writes the template.
 */
export class PropsCheck {
  private readonly problems: string[] = [];

  /** `kind` is the construct's class name, `path` where it is (`scope.node.path`, or `scope/id` for an import). */
  constructor(
    private readonly kind: string,
    private readonly path: string,
  ) {}

  /** Records `problem` (what was given, and what to do) unless `ok`. */
  expect(ok: boolean, problem: string | (() => string)): this {
    if (!ok) this.problems.push(typeof problem === 'string' ? problem : problem());
    return this;
  }

  /** Records problems found elsewhere (a shared check such as `queueWorkerProblems`). */
  add(...problems: readonly string[]): this {
    this.problems.push(...problems);
    return this;
  }

  /** What is wrong so far. */
  get found(): readonly string[] {
    return this.problems;
  }

  /** Throws one error holding every problem found, if any. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new Error(problemsMessage(`${this.kind} ${this.path}`, this.problems));
  }

  /** Records `problem` and throws at once: for a problem the remaining checks cannot be run past. */
  fail(problem: string): never {
    this.problems.push(problem);
    this.throwIfAny();
    throw new Error('unreachable');
  }
}

/** One problem on the construct's line; several as a list below it. */
export function problemsMessage(where: string, problems: readonly string[]): string {
  return problems.length === 1
    ? `${where}: ${problems[0]}`
    : `${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}

/**
 * A check of state that is complete only at synth (what was added after the constructor): the CDK
 * runs it before writing the template and stops with its problems, each naming the construct.
 */
export function checkAtSynth(scope: IConstruct, check: () => readonly string[]): void {
  scope.node.addValidation({ validate: () => [...check()] });
}

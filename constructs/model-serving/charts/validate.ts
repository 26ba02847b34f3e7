/**
 * Prop checks shared by the serving charts. Each error names the workload, what was given and what
 * to do, so that a bad entry in an environment config or a Pulumi stack fails before anything is
 * synthesized or applied.
 */
export class ServingPropsError extends Error {
  constructor(workload: string, message: string) {
    super(`Model serving workload "${workload}": ${message}`);
    this.name = 'ServingPropsError';
  }
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** Names become Deployment, Service and DNS names: an RFC 1035 label, short enough for suffixes. */
export function checkName(workload: string, field: string, value: string): void {
  if (!DNS_LABEL.test(value)) {
    throw new ServingPropsError(
      workload,
      `${field} is "${value}"; it must be 1-40 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen`,
    );
  }
}

export function checkInteger(workload: string, field: string, value: number, min: number, max?: number): void {
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
    throw new ServingPropsError(workload, `${field} is ${value}; it must be ${range}`);
  }
}

export function checkOneOf<T extends string>(workload: string, field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ServingPropsError(
      workload,
      `${field} is "${value}"; it must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`,
    );
  }
  return value as T;
}

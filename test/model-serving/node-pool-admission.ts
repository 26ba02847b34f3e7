/**
 * Would a pod land on a node of this Karpenter NodePool? Read off the two specs as Karpenter and the
 * scheduler decide it: every `nodeSelector` label and one required node-affinity term must be
 * satisfiable by the labels the pool's nodes can carry (its template labels and requirements), every
 * taint of the pool must be tolerated, and the pod's GPUs must fit one node. Returns the reasons it
 * would not; [] when it would.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Expression {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

/** The values a pool's nodes may carry for `key`: a list, 'any' (Exists), or undefined (never set). */
function possibleValues(pool: Obj, key: string): readonly string[] | 'any' | undefined {
  const labels: Record<string, string> = pool.spec.template.metadata?.labels ?? {};
  if (key in labels) return [labels[key]!];
  const requirement = (pool.spec.template.spec.requirements as Expression[]).find((r) => r.key === key);
  if (!requirement) return undefined;
  if (requirement.operator === 'In') return requirement.values ?? [];
  return 'any';
}

function satisfiable(pool: Obj, expression: Expression): boolean {
  const possible = possibleValues(pool, expression.key);
  const values = expression.values ?? [];
  switch (expression.operator) {
    case 'In':
      return possible === 'any' || (possible ?? []).some((v) => values.includes(v));
    case 'Exists':
      return possible !== undefined;
    case 'DoesNotExist':
      return possible === undefined;
    case 'NotIn':
      return possible === undefined || possible === 'any' || possible.some((v) => !values.includes(v));
    default:
      return false;
  }
}

function tolerates(toleration: Obj, taint: Obj): boolean {
  const keyMatches = toleration.key === taint.key || (!toleration.key && toleration.operator === 'Exists');
  const valueMatches = toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
  return keyMatches && valueMatches && (!toleration.effect || toleration.effect === taint.effect);
}

export function reasonsNotAdmitted(podSpec: Obj, pool: Obj): string[] {
  const reasons: string[] = [];
  for (const [key, value] of Object.entries<string>(podSpec.nodeSelector ?? {})) {
    if (!satisfiable(pool, { key, operator: 'In', values: [value] })) {
      reasons.push(`nodeSelector ${key}=${value} is not a label of the pool's nodes`);
    }
  }
  const terms: { matchExpressions?: Expression[] }[] =
    podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length > 0 && !terms.some((term) => (term.matchExpressions ?? []).every((e) => satisfiable(pool, e)))) {
    reasons.push('no required node-affinity term fits the pool');
  }
  for (const taint of pool.spec.template.spec.taints ?? []) {
    if (!(podSpec.tolerations ?? []).some((t: Obj) => tolerates(t, taint))) {
      reasons.push(`does not tolerate the taint ${taint.key}=${taint.value ?? ''}:${taint.effect}`);
    }
  }
  const gpus = (podSpec.containers ?? []).reduce(
    (sum: number, c: Obj) => sum + Number(c.resources?.requests?.['nvidia.com/gpu'] ?? 0),
    0,
  );
  const counts = possibleValues(pool, 'eks.amazonaws.com/instance-gpu-count');
  if (gpus > 0 && Array.isArray(counts) && !counts.some((count) => Number(count) >= gpus)) {
    reasons.push(`asks for ${gpus} GPUs; the pool's nodes have ${counts.join(' or ')}`);
  }
  return reasons;
}

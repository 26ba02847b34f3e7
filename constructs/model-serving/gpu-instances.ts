/**
 * NVIDIA GPUs per instance of the EC2 types a serving node group may use. A replica's GPUs must sit
 * on one node, so the construct checks each workload's tensor-parallel size against this count.
 * Types not listed need `gpusPerInstance` on their node group.
 */
const FAMILIES: Record<string, Record<string, number>> = {
  // A10G
  g5: {
    xlarge: 1,
    '2xlarge': 1,
    '4xlarge': 1,
    '8xlarge': 1,
    '16xlarge': 1,
    '12xlarge': 4,
    '24xlarge': 4,
    '48xlarge': 8,
  },
  // L4
  g6: {
    xlarge: 1,
    '2xlarge': 1,
    '4xlarge': 1,
    '8xlarge': 1,
    '16xlarge': 1,
    '12xlarge': 4,
    '24xlarge': 4,
    '48xlarge': 8,
  },
  // L40S
  g6e: {
    xlarge: 1,
    '2xlarge': 1,
    '4xlarge': 1,
    '8xlarge': 1,
    '16xlarge': 1,
    '12xlarge': 4,
    '24xlarge': 4,
    '48xlarge': 8,
  },
  // T4
  g4dn: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, metal: 8 },
  // A100
  p4d: { '24xlarge': 8 },
  p4de: { '24xlarge': 8 },
  // H100 / H200
  p5: { '4xlarge': 1, '48xlarge': 8 },
  p5e: { '48xlarge': 8 },
  p5en: { '48xlarge': 8 },
};

/** GPUs of one instance type, or undefined when the type is not in the table. */
export function gpusOfInstanceType(instanceType: string): number | undefined {
  const [family, size] = instanceType.split('.');
  return FAMILIES[family]?.[size];
}

/** The GPU counts a family's sizes offer (e.g. g6: 1, 4, 8), or [] when the family is not in the table. */
export function gpuCountsOfFamily(family: string): number[] {
  return [...new Set(Object.values(FAMILIES[family] ?? {}))].sort((a, b) => a - b);
}

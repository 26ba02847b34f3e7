import type { Template } from 'aws-cdk-lib/assertions';
import { dashboardBodyOf, type DashboardWidget } from '../../scripts/dashboard-layout';

/** Every dashboard of a template, by name, with its widgets read back from the synthesized body. */
export function dashboardsOf(template: Template): Map<string, DashboardWidget[]> {
  const resources = template.findResources('AWS::CloudWatch::Dashboard') as Record<
    string,
    Parameters<typeof dashboardBodyOf>[0]
  >;
  return new Map(
    Object.values(resources).map((resource) => {
      const { name, widgets } = dashboardBodyOf(resource);
      return [name, widgets];
    }),
  );
}

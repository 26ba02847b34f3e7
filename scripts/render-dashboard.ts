import { Template } from 'aws-cdk-lib/assertions';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildPlatform } from '../test/support/platform-app';
import { dashboardBodyOf, renderMarkdown, renderSvg } from './dashboard-layout';
import { metricsReference } from './metrics-reference';

/**
 * Draws the top (overview) dashboard of the dev environment, as synthesized, into docs/dashboards/,
 * and writes the metric reference (docs/metrics.md): `npm run docs:dashboard`. Tests fail when the
 * committed files no longer match.
 */
export const DOCS_DIR = path.join(__dirname, '..', 'docs', 'dashboards');
export const SVG_FILE = 'top-dashboard.svg';
export const MARKDOWN_FILE = 'top-dashboard.md';
export const METRICS_FILE = path.join(__dirname, '..', 'docs', 'metrics.md');

export function renderTopDashboard(template: Template): { svg: string; markdown: string } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((resource) =>
    dashboardBodyOf(resource as Parameters<typeof dashboardBodyOf>[0]),
  );
  const overview = dashboards.find((d) => d.name.endsWith('-overview'));
  if (!overview) throw new Error(`No overview dashboard among: ${dashboards.map((d) => d.name).join(', ')}`);
  return {
    svg: renderSvg(overview.name, overview.widgets),
    markdown: renderMarkdown(overview.name, overview.widgets, SVG_FILE),
  };
}

export function devTemplate(): Template {
  const dev = buildPlatform().stages.find((stage) => stage.stageName === 'Dev');
  if (!dev) throw new Error('The app has no Dev stage to draw the dashboard from.');
  return Template.fromStack(dev.platform);
}

if (require.main === module) {
  const { svg, markdown } = renderTopDashboard(devTemplate());
  mkdirSync(DOCS_DIR, { recursive: true });
  writeFileSync(path.join(DOCS_DIR, SVG_FILE), svg);
  writeFileSync(path.join(DOCS_DIR, MARKDOWN_FILE), `${markdown.trimEnd()}\n`);
  writeFileSync(METRICS_FILE, metricsReference());
  console.log(`wrote ${path.join('docs', 'dashboards', SVG_FILE)}, ${MARKDOWN_FILE} and docs/metrics.md`);
}

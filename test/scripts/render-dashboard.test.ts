import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { metricsReference } from '../../scripts/metrics-reference';
import {
  DOCS_DIR,
  MARKDOWN_FILE,
  METRICS_FILE,
  SVG_FILE,
  devTemplate,
  renderTopDashboard,
} from '../../scripts/render-dashboard';

/** The picture of the top dashboard in the docs is the dashboard synthesized now. */
test('docs/dashboards holds the current top dashboard (regenerate with npm run docs:dashboard)', () => {
  const { svg, markdown } = renderTopDashboard(devTemplate());
  expect(readFileSync(path.join(DOCS_DIR, SVG_FILE), 'utf8')).toBe(svg);
  expect(readFileSync(path.join(DOCS_DIR, MARKDOWN_FILE), 'utf8')).toBe(`${markdown.trimEnd()}\n`);
  expect(markdown).toMatch(/### Latency, chat completions \(ms\)/);
  expect(svg).toMatch(/Errors by class/);
});

test('docs/metrics.md is the metric catalog', () => {
  expect(readFileSync(METRICS_FILE, 'utf8')).toBe(metricsReference());
});

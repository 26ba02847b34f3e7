/**
 * Reads CloudWatch dashboards out of a synthesized template and draws their layout: a picture of
 * what operators will see, made from the dashboard body itself (`npm run docs:dashboard`), and the
 * widgets and metrics a test checks against the metric catalog.
 */

export interface DashboardWidget {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  /** Each series: a metric as `Namespace/MetricName {dim=value, ...} stat`, or an expression. */
  readonly series: string[];
  /** Metric names the widget charts, from metric arrays and from SEARCH expressions. */
  readonly metricNames: Array<{ namespace: string; name: string }>;
}

type CfnValue = string | { [key: string]: unknown };

/** A synthesized string value with each unresolved part (Ref, GetAtt) shown as `{Ref}` or `{Resource.Attribute}`. */
export function cfnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(cfnText).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref) return `{${ref.replace(/^AWS::/, '')}}`;
  const getAtt = (value as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
  if (getAtt) return `{${getAtt.join('.')}}`;
  return '{token}';
}

/** The body of an `AWS::CloudWatch::Dashboard`, its widgets read back in grid order. */
export function dashboardBodyOf(resource: { Properties: { DashboardBody: CfnValue; DashboardName?: CfnValue } }): {
  name: string;
  widgets: DashboardWidget[];
} {
  const text = cfnText;
  const body = JSON.parse(text(resource.Properties.DashboardBody)) as { widgets: Array<Record<string, any>> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    name: resource.Properties.DashboardName ? text(resource.Properties.DashboardName) : '(unnamed)',
    widgets: body.widgets.map(toWidget).sort((a, b) => a.y - b.y || a.x - b.x),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toWidget(widget: Record<string, any>): DashboardWidget {
  const properties = widget.properties ?? {};
  const series: string[] = [];
  const metricNames: Array<{ namespace: string; name: string }> = [];
  const searches = (expression: string) => {
    for (const match of expression.matchAll(/SEARCH\('\{"?([^",}]+)"?[^}]*\} MetricName="([^"]+)"/g)) {
      metricNames.push({ namespace: match[1], name: match[2] });
    }
    for (const match of expression.matchAll(/SEARCH\('Namespace="([^"]+)" MetricName="([^"]+)"/g)) {
      metricNames.push({ namespace: match[1], name: match[2] });
    }
  };
  const entries = ((properties.metrics ?? []) as unknown[][]).map((entry) => {
    const last = entry[entry.length - 1];
    const options = (typeof last === 'object' && last !== null ? last : {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    return { parts: entry.filter((part) => typeof part === 'string') as string[], options };
  });
  const describe = (parts: string[], options: Record<string, unknown>) => {
    const [, name, ...dims] = parts;
    const pairs: string[] = [];
    for (let i = 0; i + 1 < dims.length; i += 2) if (dims[i] !== 'service') pairs.push(`${dims[i]}=${dims[i + 1]}`);
    const seconds = typeof options.period === 'number' ? options.period : 300;
    const period =
      seconds === 300
        ? ''
        : seconds % 86_400 === 0
          ? ` per ${seconds / 86_400} d`
          : seconds % 3_600 === 0
            ? ` per ${seconds / 3_600} h`
            : ` per ${seconds / 60} min`;
    return `${name}${pairs.length ? ` {${pairs.join(', ')}}` : ''} ${options.stat ?? ''}${period}`.trim();
  };
  // Metrics an expression uses are listed by id; show them in the expression instead of their ids.
  const byId = new Map<string, string>();
  for (const { parts, options } of entries) {
    if (typeof options.id !== 'string') continue;
    byId.set(options.id, options.expression ? `(${options.expression as string})` : describe(parts, options));
  }
  const resolve = (expression: string): string => {
    let text = expression;
    for (let depth = 0; depth < 4; depth++) {
      text = text.replace(/\b(m[0-9a-f]{10}|[a-z][A-Za-z0-9_]*\d)\b/g, (id) => byId.get(id) ?? id);
    }
    return text;
  };
  for (const { parts, options } of entries) {
    const label = options.label ? `${options.label as string}: ` : '';
    if (options.expression) {
      searches(options.expression as string);
      if (options.visible !== false) series.push(`${label}${resolve(options.expression as string)}`);
      continue;
    }
    metricNames.push({ namespace: parts[0], name: parts[1] });
    if (options.visible !== false) series.push(`${label}${describe(parts, options)}`);
  }
  if (properties.alarms) series.push(`${(properties.alarms as unknown[]).length} alarms`);
  if (typeof properties.markdown === 'string') {
    const links = [...(properties.markdown as string).matchAll(/\[([^\]]+)\]\(/g)].map((m) => m[1]);
    if (links.length) series.push(`links: ${links.join(', ')}`);
  }
  const title =
    (properties.title as string | undefined) ??
    (typeof properties.markdown === 'string'
      ? (properties.markdown as string).split('\n')[0].replace(/^#+\s*/, '')
      : '');
  return {
    type: widget.type as string,
    x: widget.x ?? 0,
    y: widget.y ?? 0,
    width: widget.width ?? 6,
    height: widget.height ?? 6,
    title,
    series,
    metricNames,
  };
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An SVG of the dashboard's grid: each widget a box with its title and series, where CloudWatch puts it. */
export function renderSvg(name: string, widgets: readonly DashboardWidget[]): string {
  const unitX = 50;
  const unitY = 34;
  const top = 40;
  const height = Math.max(...widgets.map((w) => w.y + w.height)) * unitY + top + 10;
  const boxes = widgets.map((w) => {
    const x = w.x * unitX + 6;
    const y = w.y * unitY + top;
    const width = w.width * unitX - 6;
    const h = w.height * unitY - 6;
    const chars = Math.floor(width / 6.4);
    const clip = (text: string) => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);
    const maxLines = Math.max(0, Math.floor((h - 34) / 14));
    // Long series wrap onto indented lines; what does not fit is counted.
    const wrapped = w.series.flatMap((line) => {
      const pieces: string[] = [];
      for (let rest = line; rest.length > 0;) {
        const room = pieces.length === 0 ? chars : chars - 2;
        let cut = rest.length <= room ? rest.length : rest.lastIndexOf(' ', room);
        if (cut <= room / 2) cut = Math.min(room, rest.length);
        pieces.push(`${pieces.length === 0 ? '' : '  '}${rest.slice(0, cut).trimEnd()}`);
        rest = rest.slice(cut).trimStart();
      }
      return pieces;
    });
    const shown = wrapped.length > maxLines ? wrapped.slice(0, Math.max(0, maxLines - 1)) : wrapped;
    const lines = shown.map(
      (line, i) => `<text x="${x + 8}" y="${y + 40 + i * 14}" class="series">${escape(clip(line))}</text>`,
    );
    if (wrapped.length > shown.length && maxLines > 0) {
      lines.push(
        `<text x="${x + 8}" y="${y + 40 + (maxLines - 1) * 14}" class="series">… ${wrapped.length - shown.length} more lines</text>`,
      );
    }
    return [
      `<rect x="${x}" y="${y}" width="${width}" height="${h}" rx="4" class="${w.type}"/>`,
      `<text x="${x + 8}" y="${y + 20}" class="title">${escape(w.title.length > chars - 8 ? `${w.title.slice(0, chars - 9)}…` : w.title)}</text>`,
      `<text x="${x + width - 8}" y="${y + 20}" class="kind" text-anchor="end">${escape(w.type)}</text>`,
      ...lines,
    ].join('\n');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${24 * unitX + 6}" height="${height}" viewBox="0 0 ${24 * unitX + 6} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>rect{fill:#fff;stroke:#879596;stroke-width:1}rect.text{fill:#f2f3f3}rect.alarm{fill:#fdf3f1}',
    '.title{font-size:13px;font-weight:bold;fill:#16191f}.kind{font-size:10px;fill:#687078}.series{font-size:10.5px;fill:#414750}',
    '.name{font-size:16px;font-weight:bold;fill:#16191f}</style>',
    '<rect x="0" y="0" width="100%" height="100%" style="fill:#fafafa;stroke:none"/>',
    `<text x="6" y="26" class="name">${escape(name)}</text>`,
    ...boxes,
    '</svg>',
    '',
  ].join('\n');
}

/** The same layout as Markdown: each row of the grid, then each widget with its series. */
export function renderMarkdown(name: string, widgets: readonly DashboardWidget[], picture: string): string {
  const rows = new Map<number, DashboardWidget[]>();
  for (const widget of widgets) rows.set(widget.y, [...(rows.get(widget.y) ?? []), widget]);
  const out = [
    `# Dashboard layout: ${name}`,
    '',
    'Generated from the synthesized dashboard body by `npm run docs:dashboard`; a test fails when it',
    'no longer matches the dashboard. The grid is 24 columns wide; each widget shows its position',
    '(x, y) and size (width x height) in grid units.',
    '',
    `![${name}](${picture})`,
    '',
  ];
  for (const [y, row] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    out.push(`## Row at y=${y}`, '');
    for (const widget of row) {
      out.push(
        `### ${widget.title || '(untitled)'} (${widget.type}, x=${widget.x}, ${widget.width}x${widget.height})`,
        '',
      );
      for (const line of widget.series) out.push(`- \`${line.replace(/`/g, "'")}\``);
      out.push('');
    }
  }
  return out.join('\n');
}

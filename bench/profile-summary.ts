/**
 * Where a V8 CPU profile spent its time: the functions with the most self time, and the totals per
 * package (or per file of ours), so a profile from `--cpu-prof` reads in a terminal.
 *
 *   npx tsx bench/profile-summary.ts DIR/CPU.*.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { printTable } from './support/stats';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]');
  process.exit(2);
}
const top = rest.includes('--top') ? Number(rest[rest.indexOf('--top') + 1]) : 30;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);

/** A package name from node_modules, our source file, or the runtime's own category. */
function owner(url: string, name: string): string {
  if (!url) return `(${name || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^.*\/(bench|lambda|test)\//, '$1/');
}

const functions = new Map<string, number>();
const owners = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = owner(url, functionName);
  const key = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
  owners.set(where, (owners.get(where) ?? 0) + us);
}
const share = (us: number) => `${((100 * us) / totalUs).toFixed(1)}%`;
const idle = owners.get('((idle))') ?? 0;
console.log(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled, ${share(totalUs - idle)} busy\n`);
printTable(
  ['self time by package or file', 'ms', 'share'],
  [...owners]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => [name, (us / 1000).toFixed(1), share(us)]),
);
console.log();
printTable(
  ['function (self time)', 'ms', 'share'],
  [...functions]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => [name, (us / 1000).toFixed(1), share(us)]),
);

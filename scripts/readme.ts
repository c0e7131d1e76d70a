// Generates the README's metric and flag tables from the catalog and the flag table, so the
// README can never drift from the code. `npm run docs` rewrites them; a test fails when the
// committed README differs from what this produces.
import { readFileSync } from 'node:fs';
import { writeAtomic } from './lib/files';
import { join } from 'node:path';
import { FLAGS, type FlagSpec } from '../src/cli';
import { CATALOG, type MetricDef } from '../src/metrics/catalog';

export const README = join(__dirname, '..', '..', 'README.md');

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function metricTable(families: readonly MetricDef[] = CATALOG): string {
  const rows = families.map((d) => {
    const labels = d.labels.length ? d.labels.map((l) => `\`${l}\``).join(', ') : '';
    const where = d.platforms ? d.platforms.join(', ') : 'all';
    return `| \`${d.name}\` | ${d.type} | ${d.unit || '-'} | ${labels} | ${where} | ${cell(d.help)} |`;
  });
  return ['| metric | type | unit | labels | platforms | meaning |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export function flagTable(flags: readonly FlagSpec[] = FLAGS): string {
  const rows = flags.map((f) => {
    const name = f.negatable ? `\`--${f.name}\` / \`--no-${f.name}\`` : `\`--${f.name}${f.arg ? ` ${f.arg}` : ''}\``;
    const dflt = f.defaultText !== undefined ? `\`${cell(f.defaultText)}\`` : f.negatable ? 'enabled' : f.arg ? 'none' : 'off';
    return `| ${name} | ${dflt} | ${cell(f.help)} |`;
  });
  return ['| flag | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

const BLOCKS: Record<string, () => string> = { metrics: () => metricTable(), flags: () => flagTable() };

/** The README with every generated block replaced by what the code says now. */
export function regenerate(readme: string): string {
  let out = readme;
  for (const [name, gen] of Object.entries(BLOCKS)) {
    const re = new RegExp(`(<!-- ${name}:begin[^>]*-->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- ${name}:begin --> ... <!-- ${name}:end --> block`);
    out = out.replace(re, (_, a: string, b: string) => `${a}${gen()}${b}`);
  }
  return out;
}

if (require.main === module) {
  const before = readFileSync(README, 'utf8');
  const after = regenerate(before);
  writeAtomic(README, after);
  process.stdout.write(before === after ? 'README.md tables are up to date\n' : 'README.md tables regenerated\n');
}

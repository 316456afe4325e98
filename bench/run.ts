// `npm run bench [-- --json] [-- --only=NAME]`: runs the workloads and prints each figure beside
// its limit, measured in the same run. With --json: one JSON object per line,
// {"name","value","unit","limit","ratio"}; progress and notes go to stderr.
import os from 'node:os';
import { human, now, progress, sink, type Row } from './lib';
import { history } from './history';
import { mapping } from './mapping';
import { translations } from './translations';
import { ui } from './ui';

const WORKLOADS: Record<string, () => Row[] | Promise<Row[]>> = {
  translations,
  mapping,
  history,
  ui,
};

function parseArgs(argv: string[]): { json: boolean; only: string[] } {
  let json = false;
  const only: string[] = [];
  for (const a of argv) {
    if (a === '--json') json = true;
    else if (a.startsWith('--only=')) only.push(...a.slice(7).split(','));
    else {
      process.stderr.write(
        `usage: npm run bench -- [--json] [--only=${Object.keys(WORKLOADS).join(',')}]\n`,
      );
      process.exit(2);
    }
  }
  for (const o of only) if (!(o in WORKLOADS)) throw new Error(`unknown workload \`${o}\``);
  return { json, only };
}

const sig = (x: number): number => Number(x.toPrecision(4));

function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.name,
    human(r.value, ''),
    human(r.limit, ''),
    r.unit,
    r.ratio >= 0.01 ? r.ratio.toFixed(3) : r.ratio.toExponential(1),
    r.goal ? `${r.goal}: ${r.met ? 'met' : 'NOT met'}` : '',
  ]);
  const head = ['workload', 'figure', 'limit', 'unit', 'ratio', 'goal'];
  const right = new Set([1, 2, 4]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((x, i) => (right.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  console.log('\nlimit = measured in this run (see bench/README.md); ratio = figure / limit\n');
  for (const r of rows) {
    console.log(`${r.name}: ${r.what}`);
    for (const n of r.notes) console.log(`    ${n}`);
  }
}

async function main(): Promise<void> {
  const { json, only } = parseArgs(process.argv.slice(2));
  const names = only.length ? only : Object.keys(WORKLOADS);
  const t0 = now();
  progress(
    `PageLab bench: node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'}`,
  );
  const rows: Row[] = [];
  for (const n of names) {
    const got = await WORKLOADS[n]!();
    rows.push(...got);
    if (json)
      for (const r of got)
        console.log(
          JSON.stringify({
            name: r.name,
            value: sig(r.value),
            unit: r.unit,
            limit: sig(r.limit),
            ratio: sig(r.ratio),
          }),
        );
  }
  if (json)
    for (const r of rows) for (const note of [r.what, ...r.notes]) progress(`${r.name}: ${note}`);
  else printTable(rows);
  progress(`bench finished in ${((now() - t0) / 1000).toFixed(1)} s${sink.n === 0.5 ? ' ' : ''}`);
}

await main();

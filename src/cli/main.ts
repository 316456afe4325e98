// `pagelab run|check|repl|link|unlink` on Node, over the engine and the language.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Session, decodeFragment, encodeFragment, formatResult, type LineResult } from '../lang';

const USAGE = `usage:
  pagelab run FILE [--json]        run a scenario, printing each command's result
  pagelab check FILE… [--json]     run scenarios as tests (every expect must hold)
  pagelab repl                     the language, interactively
  pagelab link FILE [--step N] [--base URL]   print a share link for a scenario
  pagelab unlink URL               print the scenario a share link carries`;

type Out = (s: string) => void;

function read(file: string): string {
  return readFileSync(file, 'utf8');
}

function jsonLine(file: string, r: LineResult): string {
  return JSON.stringify({
    file,
    line: r.line,
    source: r.source,
    kind: r.kind,
    ok: r.ok,
    code: r.code,
    clause: r.clause,
    text: r.text,
    failure: r.failure,
    effects: r.effects?.map((e) => e.text),
    violations: r.violations?.map((v) => ({ id: v.id, severity: v.severity, message: v.message })),
    data: r.data ? Buffer.from(r.data).toString('hex') : undefined,
  });
}

export function run(files: string[], json: boolean, out: Out): number {
  let status = 0;
  for (const file of files) {
    const s = new Session();
    for (const r of s.runScript(read(file))) {
      if (r.kind === 'blank') continue;
      if (json) out(jsonLine(file, r));
      else {
        out(`${String(r.line).padStart(4)}  ${r.source.trim()}`);
        out(`      ${formatResult(r).replace(/\n/g, '\n      ')}`);
        for (const v of r.kind === 'op' && r.ok ? (r.violations ?? []) : [])
          out(`      ! ${v.id}: ${v.message}`);
      }
      if (r.kind === 'op' && !r.ok) status = 1;
    }
  }
  return status;
}

export function check(files: string[], json: boolean, out: Out): number {
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const failures: string[] = [];
    let text: string;
    try {
      text = read(file);
    } catch (e) {
      failures.push(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
      text = '';
    }
    const s = new Session();
    const results = text ? s.runScript(text, failures) : [];
    if (json) for (const r of results) if (r.kind !== 'blank') out(jsonLine(file, r));
    if (failures.length === 0) {
      passed++;
      if (!json) out(`PASS ${file}`);
    } else {
      failed++;
      if (!json) {
        out(`FAIL ${file}`);
        for (const f of failures) out(`  ${f}`);
      } else out(JSON.stringify({ file, failures }));
    }
  }
  out(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function repl(out: Out): Promise<number> {
  const s = new Session();
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'pagelab> ',
    terminal: process.stdin.isTTY,
  });
  out(
    'PageLab — the OSTD memory model. Type commands (see shared/spec/commands.md); Ctrl-D quits.',
  );
  rl.prompt();
  for await (const line of rl) {
    const r = s.exec(line);
    if (r.kind !== 'blank') {
      out(formatResult(r));
      if (r.kind === 'op' && r.ok)
        for (const v of r.violations ?? []) out(`  ! ${v.id}: ${v.message}`);
    }
    rl.prompt();
  }
  return 0;
}

export async function main(
  argv: string[],
  out: Out = (s) => process.stdout.write(s + '\n'),
  err: Out = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const [cmd, ...rest] = args;
  try {
    switch (cmd) {
      case 'run':
        if (rest.length === 0) break;
        return run(rest, json, out);
      case 'check':
        if (rest.length === 0) break;
        return check(rest, json, out);
      case 'repl':
        return await repl(out);
      case 'link': {
        const file = rest[0];
        if (!file) break;
        const si = rest.indexOf('--step');
        const bi = rest.indexOf('--base');
        const step = si >= 0 ? Number(rest[si + 1]) : undefined;
        if (step !== undefined && !Number.isInteger(step)) {
          err('--step takes a whole number');
          return 2;
        }
        const base = bi >= 0 ? rest[bi + 1]! : 'http://localhost:4173/';
        out(`${base}#${encodeFragment(read(file), step)}`);
        return 0;
      }
      case 'unlink': {
        if (!rest[0]) break;
        const { script, step } = decodeFragment(rest[0]);
        out(script);
        if (step !== undefined) err(`(step ${step})`);
        return 0;
      }
    }
  } catch (e) {
    err(`pagelab: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  err(USAGE);
  return 2;
}

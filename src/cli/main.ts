// `pagelab run|check|repl|link|unlink` on Node, over the engine and the language.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  Session,
  decodeFragment,
  encodeFragment,
  formatResult,
  helpRequest,
  helpText,
  parseStep,
  scriptLines,
  type LineResult,
} from '../lang';

const USAGE = `usage:
  pagelab run FILE [--json]        run a scenario, printing each command's result
  pagelab check FILE… [--json]     run scenarios as tests (every expect must hold)
  pagelab repl                     the language, interactively
  pagelab link FILE [--step N] [--base URL]
                                   print a share link for a scenario at step N; by default
                                   its end (its number of lines, a final newline not
                                   counted), the step the app's Share gives once it has run
  pagelab unlink URL               print the scenario a share link carries, byte for byte
                                   (its step goes to stderr)
  pagelab help | --help | -h       this text`;

const DEFAULT_BASE = 'http://localhost:4173/';

type Out = (s: string) => void;

/** A bad invocation: its message, then the usage, on stderr (exit 2). */
class UsageError extends Error {}

/** `link`'s arguments: FILE, `--step N` and `--base URL` (or `--step=N`, `--base=URL`), any order. */
function linkArgs(args: string[]): { file: string; step: string | undefined; base: string } {
  let file: string | undefined;
  let step: string | undefined;
  let base = DEFAULT_BASE;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const opt = /^--(step|base)(?:=(.*))?$/s.exec(a);
    if (opt) {
      const value = opt[2] ?? args[++i];
      if (value === undefined) throw new UsageError(`--${opt[1]} needs a value`);
      if (opt[1] === 'step') step = value;
      else base = value;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (file !== undefined) throw new UsageError(`one FILE only (${file}, then ${a})`);
    else file = a;
  }
  if (file === undefined) throw new UsageError('link needs a FILE');
  // The fragment starts at the link's first `#`: one in the base would hide the scenario.
  if (base.includes('#')) throw new UsageError('--base must not hold a `#`');
  return { file, step, base };
}

/** A scenario file as text, refusing what is not UTF-8 (commands.md: a scenario is UTF-8 text). */
function readUtf8(file: string): string {
  const bytes = readFileSync(file);
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that `unlink` gives every byte back.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${file} is not UTF-8 text`);
  }
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
    // The payload's parts as fields, beside the printed line: what changed (slots, names bound and
    // unbound, page-table entries), the invariants violated with their blame, the bytes returned.
    effects: r.effects?.map((e) => ({
      kind: e.kind,
      text: e.text,
      paddr: e.pfn === undefined || e.pfn < 0 ? undefined : addr(e.pfn),
      name: e.name,
      space: e.space,
      va: e.vpn === undefined ? undefined : addr(e.vpn),
      pages: e.pages,
    })),
    violations: r.violations?.map((v) => ({
      id: v.id,
      severity: v.severity,
      message: v.message,
      frames: v.frames.map(addr),
      handles: v.handles,
    })),
    data: r.data ? Buffer.from(r.data).toString('hex') : undefined,
  });
}

/** A page number as the byte address (hex) the language prints. */
function addr(page: number): string {
  return '0x' + (BigInt(page) * 4096n).toString(16);
}

/**
 * Prints every command's result. Exits 1 when `check` would fail a file (an error no `expect error`
 * matched, an expectation that did not hold): a run shows what happened and still says whether
 * the scenario went as it meant to.
 */
export function run(files: string[], json: boolean, out: Out): number {
  let status = 0;
  for (const file of files) {
    const s = new Session();
    const failures: string[] = [];
    for (const r of s.runScript(readUtf8(file), failures)) {
      if (r.kind === 'blank') continue;
      if (json) out(jsonLine(file, r));
      else {
        out(`${String(r.line).padStart(4)}  ${r.source.trim()}`);
        out(`      ${formatResult(r).replace(/\n/g, '\n      ')}`);
        for (const v of r.kind === 'op' && r.ok ? (r.violations ?? []) : [])
          out(`      ! ${v.id}: ${v.message}`);
      }
    }
    if (failures.length) status = 1;
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
      text = readUtf8(file);
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

/** The repl's keys, which `help` lists after the commands. */
const REPL_KEYS = 'Keys: ↑/↓ history, Ctrl-D quits.';

async function repl(out: Out): Promise<number> {
  const s = new Session();
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'pagelab> ',
    terminal: process.stdin.isTTY,
  });
  out(
    'PageLab — the OSTD memory model. Type commands (`help` lists them); Ctrl-D quits.',
  );
  rl.prompt();
  for await (const line of rl) {
    const help = helpRequest(line);
    if (help) {
      for (const t of helpText(help.cmd, REPL_KEYS)) out(t);
      rl.prompt();
      continue;
    }
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
  /** Writes exactly the text given (`unlink` must not add a newline). */
  write: Out = (s) => process.stdout.write(s),
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    out(USAGE);
    return 0;
  }
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const [cmd, ...rest] = args;
  try {
    switch (cmd) {
      case 'run':
      case 'check': {
        // Only FILEs and --json: anything else that looks like an option is a mistake, not a file.
        const bad = rest.find((a) => a.startsWith('-'));
        if (bad !== undefined) throw new UsageError(`unknown option ${bad}`);
        if (rest.length === 0) break;
        return cmd === 'run' ? run(rest, json, out) : check(rest, json, out);
      }
      case 'repl':
        if (rest.length) throw new UsageError(`repl takes no arguments (${rest[0]})`);
        return await repl(out);
      case 'link': {
        const { file, step, base } = linkArgs(rest);
        const script = readUtf8(file);
        const at = step === undefined ? scriptLines(script).length : parseStep(step);
        out(`${base}#${encodeFragment(script, at)}`);
        return 0;
      }
      case 'unlink': {
        if (rest.length !== 1) break;
        const { script, step } = decodeFragment(rest[0]!);
        write(script);
        if (step !== undefined) err(`(step ${step})`);
        return 0;
      }
    }
  } catch (e) {
    err(`pagelab: ${e instanceof Error ? e.message : String(e)}`);
    if (!(e instanceof UsageError)) return 2;
  }
  err(USAGE);
  return 2;
}

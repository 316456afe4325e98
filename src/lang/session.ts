// Runs the language against a Machine, line by line: the terminal, the CLI and the tests all go
// through here. It also judges `expect` lines and remembers errors that no `expect error` matched,
// which is what `pagelab check` counts.
import {
  Machine,
  INVARIANTS,
  SimError,
  dataBytes,
  dataLength,
  rcText,
  RC_UNIQUE,
  RC_UNUSED,
  type StepResult,
  type ReverseDelta,
  type Violation,
  type Effect,
} from '../engine';
import { SyntaxError_, type Expect, type Stmt } from './ast';
import { commentStart } from './lexer';
import { parseLine } from './parser';
import { data as printData, num } from './printer';

/** Every ID of shared/spec/invariants.md, checked or not yet. */
export const CATALOGUE_IDS = [
  'meta.refcount_band',
  'meta.unused_empty',
  'meta.unique_unmapped',
  'meta.slot_addr',
  'meta.usage',
  'acc.refcount_exact',
  'acc.no_orphan',
  'acc.no_dangling',
  'acc.obligations',
  'pt.node_wf',
  'pt.leaf_wf',
  'pt.user_range',
  'pt.pa_alias',
  'cursor.locks_disjoint',
  'cursor.in_range',
  'tlb.consistent',
  'tlb.no_dangling',
  'vso.rw_disjoint',
  'vso.ww_disjoint',
  'vso.rr_disjoint',
  'vso.mem_view',
  'seg.unmapped',
  'dma.no_double_map',
  'dma.held',
  'dma.stale_read',
];

export interface LineResult {
  line: number;
  source: string;
  kind: 'blank' | 'op' | 'expect' | 'note' | 'ask';
  ok: boolean;
  /** What to print: the payload, the error message, or the expectation's verdict. */
  text: string;
  code?: string;
  clause?: string;
  /** Column a syntax error points at (1-based). */
  col?: number;
  /** For `pagelab check`: why this line fails the scenario. */
  failure?: string;
  effects?: Effect[];
  violations?: Violation[];
  data?: Uint8Array;
}

export function formatResult(r: LineResult): string {
  if (r.kind === 'blank') return '';
  if (r.kind === 'note') return `note ${r.text}`;
  if (r.kind === 'ask') return `ask ${r.text}`;
  if (r.kind === 'expect') return r.ok ? `pass ${r.text}` : `FAIL ${r.text}`;
  if (r.ok) return `ok ${r.text}`;
  return `error ${r.code}${r.clause !== undefined ? `(${r.clause})` : ''}: ${r.text}`;
}

/** Where a session is in its script (opaque outside the language). */
export interface SessionMark {
  readonly lineNo: number;
  readonly last: { line: number; result: LineResult } | undefined;
  readonly unmatched: LineResult | undefined;
}

export class Session {
  machine = new Machine();
  private lineNo = 0;
  /** The result of the last command (not expect/note), for `expect ok|error|data`. */
  private last: { line: number; result: LineResult } | undefined;
  /** An error that no `expect error` has matched yet. */
  private unmatched: LineResult | undefined;

  reset(): void {
    this.machine = new Machine();
    this.lineNo = 0;
    this.last = undefined;
    this.unmatched = undefined;
    this.delta = undefined;
  }

  stateHash(): string {
    return this.machine.stateHash();
  }

  /** Runs one line. `failures` (if given) collects why a scenario fails. */
  exec(source: string, failures?: string[]): LineResult {
    const line = ++this.lineNo;
    let stmt: Stmt | null;
    try {
      stmt = parseLine(source);
    } catch (e) {
      if (!(e instanceof SyntaxError_)) throw e;
      const r: LineResult = {
        line,
        source,
        kind: 'op',
        ok: false,
        code: 'Syntax',
        text: `${e.message} (column ${e.col})`,
        col: e.col,
      };
      if (/^\s*expect\b/.test(source)) {
        r.kind = 'expect';
        r.failure = `line ${line}: malformed expectation: ${e.message}`;
        failures?.push(r.failure);
        return r;
      }
      this.command(r, failures);
      return r;
    }
    if (stmt === null) return { line, source, kind: 'blank', ok: true, text: '' };
    if (stmt.kind === 'note') return { line, source, kind: 'note', ok: true, text: stmt.text };
    if (stmt.kind === 'ask') return { line, source, kind: 'ask', ok: true, text: stmt.question };
    if (stmt.kind === 'expect') {
      const verdict = this.judge(stmt.expect);
      const r: LineResult = {
        line,
        source,
        kind: 'expect',
        ok: verdict === null,
        text: verdict ?? code(source),
      };
      if (verdict !== null) {
        r.failure = `line ${line}: \`${code(source)}\`: ${verdict}`;
        failures?.push(r.failure);
      }
      return r;
    }
    this.delta = undefined;
    const res: StepResult = this.machine.step({
      op: stmt.op,
      unsafe: stmt.unsafe,
      line,
      text: source.slice(0, commentStart(source)).trim(),
    });
    this.delta = res.delta;
    const r: LineResult = {
      line,
      source,
      kind: 'op',
      ok: res.ok,
      text: res.text,
      effects: res.effects,
      violations: res.violations,
    };
    if (!res.ok) {
      r.code = res.code;
      if (res.clause !== undefined) r.clause = res.clause;
    }
    if (res.data) r.data = res.data;
    this.command(r, failures);
    return r;
  }

  /** A new command result: an earlier unmatched error is now a failure. */
  private command(r: LineResult, failures?: string[]): void {
    this.flushUnmatched(failures);
    this.last = { line: r.line, result: r };
    if (!r.ok) this.unmatched = r;
  }

  private flushUnmatched(failures?: string[]): void {
    if (this.unmatched) {
      const u = this.unmatched;
      failures?.push(
        `line ${u.line}: \`${code(u.source)}\` failed with ${formatResult(u)} and no \`expect error\` follows it`,
      );
      this.unmatched = undefined;
    }
  }

  /** The reverse delta of the last `exec`'s command, until taken (History keeps it). */
  private delta: ReverseDelta | undefined;

  /** Returns and forgets the reverse delta of the last line's command (undefined if none). */
  takeDelta(): ReverseDelta | undefined {
    const d = this.delta;
    this.delta = undefined;
    return d;
  }

  /** The session's position (line number, previous command, unmatched error), for History. */
  mark(): SessionMark {
    return { lineNo: this.lineNo, last: this.last, unmatched: this.unmatched };
  }

  restore(m: SessionMark): void {
    this.lineNo = m.lineNo;
    this.last = m.last;
    this.unmatched = m.unmatched;
  }

  /** The result of the last command (not an expect, note or ask line), if any. */
  get lastResult(): LineResult | undefined {
    return this.last?.result;
  }

  /** Call at the end of a script: an error on its last command with no expectation fails. */
  finish(failures: string[]): void {
    this.flushUnmatched(failures);
  }

  runScript(text: string, failures?: string[]): LineResult[] {
    // A byte-order mark some editors put first is not part of the first line.
    const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
    const out = body.split(/\r?\n/).map((l) => this.exec(l, failures));
    if (failures) {
      this.finish(failures);
      // Failures are found a line late (an unmatched error is known at the next command): sort.
      const lineOf = (f: string): number => Number(/^line (\d+)/.exec(f)?.[1] ?? 0);
      failures.sort((a, b) => lineOf(a) - lineOf(b));
    }
    return out;
  }

  /** null when the expectation holds, else why not. */
  private judge(e: Expect): string | null {
    const last = this.last?.result;
    try {
      switch (e.what) {
        case 'ok':
          if (!last) return 'there is no previous command';
          this.unmatched = undefined;
          return last.ok ? null : `the previous command failed: ${formatResult(last)}`;
        case 'error': {
          if (!last) return 'there is no previous command';
          if (last.ok) return `the previous command succeeded: ok ${last.text}`;
          // An error was expected: a mismatch is this line's failure, not also an unexpected error.
          this.unmatched = undefined;
          if (e.code && e.code !== last.code)
            return `expected error ${e.code}, got ${formatResult(last)}`;
          if (e.clause !== undefined && e.clause !== last.clause)
            return `expected ${e.code}(${e.clause}), got ${formatResult(last)}`;
          this.unmatched = undefined;
          return null;
        }
        case 'data': {
          if (!last) return 'there is no previous command';
          // A faulting fallible read still returned the bytes it copied.
          if (!last.ok && !last.data) return `the previous command failed: ${formatResult(last)}`;
          if (!last.data) return 'the previous command returned no bytes';
          const got = last.data;
          // Lengths first: a literal of 2^48 zeros must fail, not be built.
          const len = dataLength(e.data);
          if (len !== BigInt(got.length))
            return `expected ${len} byte${len === 1n ? '' : 's'}, got ${got.length}: ${preview(got)}`;
          const want = dataBytes(e.data);
          if (want.length === got.length && want.every((b, i) => b === got[i])) return null;
          return `expected ${printData(e.data)}, got ${preview(got)}`;
        }
        case 'violation': {
          if (!CATALOGUE_IDS.includes(e.id)) return `unknown invariant ID \`${e.id}\``;
          return this.machine.violations.some((v) => v.id === e.id)
            ? null
            : `${e.id} holds now${INVARIANTS.some((i) => i.id === e.id) ? '' : ' (this build does not check it yet)'}`;
        }
        case 'no_violation': {
          if (e.id !== undefined && !CATALOGUE_IDS.includes(e.id))
            return `unknown invariant ID \`${e.id}\``;
          const bad = this.machine.violations.filter((v) => e.id === undefined || v.id === e.id);
          return bad.length === 0 ? null : bad.map((v) => `${v.id}: ${v.message}`).join('; ');
        }
        case 'clean': {
          const why = this.machine.uncleanReasons();
          return why.length === 0
            ? null
            : `the machine is not clean: ${why.slice(0, 8).join('; ')}${why.length > 8 ? ` (and ${why.length - 8} more)` : ''}`;
        }
        case 'refcount': {
          const pfn = this.machine.resolvePaddr(e.paddr);
          const rc = this.machine.refcount(pfn);
          const want =
            e.value === 'unused' ? RC_UNUSED : e.value === 'unique' ? RC_UNIQUE : Number(e.value);
          return rc === want
            ? null
            : `refcount of ${num(BigInt(pfn * 4096))} is ${rcText(rc)}, expected ${typeof e.value === 'bigint' ? e.value : e.value.toUpperCase()}`;
        }
        case 'translate':
          return this.machine.expectTranslate(e.vs, e.va, e.target);
      }
    } catch (err) {
      if (err instanceof SimError) return `${err.code}: ${err.message}`;
      throw err;
    }
  }
}

/** A line without its comment and surrounding blanks: what `pass`/`FAIL` lines quote. */
function code(source: string): string {
  return source.slice(0, commentStart(source)).trim();
}

/** The first 64 bytes of `b` as a literal, and its length when there is more. */
function preview(b: Uint8Array): string {
  const head = printData({ kind: 'hex', bytes: [...b.subarray(0, 64)] });
  return b.length > 64 ? `${head} … (${b.length} bytes)` : head;
}

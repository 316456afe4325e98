// The worker side of the contract, without the worker: one Session, its History, and the SimApi
// over them. Kept here (not in workers/) so that it runs in Node under Vitest. Every call that may
// change the machine publishes through the epoch: odd while it runs, even when done.
import { History } from '../engine/history';
import {
  commentStart,
  decodeFragment,
  encodeFragment,
  formatResult,
  scriptLines,
  Session,
  type LineResult,
} from '../lang';
import {
  MAX_EFFECTS,
  MAX_VIOLATIONS,
  type ExecResult,
  type LoadResult,
  type ScriptLineResult,
  type SessionStatus,
  type WorkerApi,
  type TimelineEntry,
  type ViolationSummary,
} from './api';
import { complete } from './complete';
import { historySession } from './session';
import { snapshotDelta } from './delta';
import { buildFrameDetail, buildSnapshot, type Snapshot } from './snapshot';
import { exerciseInfo, exerciseKinds, judgeExercise, judgePrediction, predictionAt } from './teach';

/** A blank or comment-only line: a step, but not one the timeline lists. */
export function isBlank(source: string): boolean {
  return source.slice(0, commentStart(source)).trim() === '';
}

const SUMMARY_CHARS = 160;

function summary(text: string): string {
  const first = text.split('\n', 1)[0] ?? '';
  return first.length > SUMMARY_CHARS ? `${first.slice(0, SUMMARY_CHARS - 1)}…` : first;
}

function violationsOf(session: Session): ViolationSummary[] {
  return session.machine.violations
    .slice(0, MAX_VIOLATIONS)
    .map((v) => ({ id: v.id, severity: v.severity, message: v.message }));
}

function effectsOf(r: LineResult): string[] {
  const all = r.effects ?? [];
  const out = all.slice(0, MAX_EFFECTS).map((e) => e.text);
  if (all.length > MAX_EFFECTS) out.push(`… and ${all.length - MAX_EFFECTS} more`);
  return out;
}

function lineResult(r: LineResult): ScriptLineResult {
  const out: ScriptLineResult = {
    line: r.line,
    source: r.source,
    ok: r.ok,
    kind: r.kind,
    text: formatResult(r),
  };
  if (r.code !== undefined) out.code = r.code;
  if (r.col !== undefined) out.col = r.col;
  return out;
}

function internal(err: unknown): string {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `internal error (a bug in PageLab): ${what}`;
}

/**
 * The publication cells: [0] the epoch, [1] a progress count bumped for every line run (a sign of
 * life the UI can see while the worker is too busy to answer). Shared when the page is
 * cross-origin isolated, private otherwise.
 */
function newEpoch(): Int32Array {
  return typeof SharedArrayBuffer === 'function'
    ? new Int32Array(new SharedArrayBuffer(8))
    : new Int32Array(2);
}

export interface SimHost extends WorkerApi {
  /** For tests: the session and its history. */
  readonly session: Session;
  readonly history: History<LineResult>;
}

/** The SimApi over one session. Never rejects. */
export function createSimApi(session: Session = new Session()): SimHost {
  const epoch = newEpoch();
  const history = new History<LineResult>(historySession(session, () => Atomics.add(epoch, 1, 1)));

  /** Runs a change to the machine between an odd and an even epoch. */
  function publish<T>(change: () => T): T {
    Atomics.add(epoch, 0, 1);
    Atomics.notify(epoch, 0);
    try {
      return change();
    } finally {
      Atomics.add(epoch, 0, 1);
      Atomics.notify(epoch, 0);
    }
  }

  /** Index of the last visible line at or before the position, or -1. */
  function currentIndex(): number {
    for (let i = history.position - 1; i >= 0; i--) if (!isBlank(history.source(i))) return i;
    return -1;
  }

  /** Where the session is; the state hash only when asked (it reads all of memory). */
  function status(withHash = false): SessionStatus {
    const i = currentIndex();
    const r = i >= 0 ? history.result(i) : undefined;
    return {
      step: history.position,
      length: history.length,
      ...(withHash ? { hash: session.stateHash() } : {}),
      current: r
        ? {
            step: i + 1,
            source: r.source,
            kind: r.kind,
            text: formatResult(r),
            ok: r.ok,
            effects: effectsOf(r),
          }
        : null,
      violations: violationsOf(session),
    };
  }

  /** The last snapshot sent: a caller that says it holds it gets only what changed since. */
  let sent: Snapshot | null = null;

  /** The views' snapshot now; its `last` is the line the position is right after. */
  function snapshotOf(inspect?: number): Snapshot {
    const i = currentIndex();
    const last = i >= 0 ? (history.result(i) ?? null) : null;
    const snap = buildSnapshot(session, inspect === undefined ? { last } : { last, inspect });
    sent = snap;
    return snap;
  }

  /** The snapshot now, as a delta when the caller holds the last one sent (`base`). */
  function snapshotFor(base: number | undefined): Pick<ExecResult, 'snapshot' | 'delta'> {
    const held = sent;
    const snap = snapshotOf();
    return held && held.seq === base ? { delta: snapshotDelta(snap, held) } : { snapshot: snap };
  }

  /** After an internal error: back to a consistent session over the lines before `at`. */
  function recover(at: number): void {
    try {
      history.load(history.lines().slice(0, at));
    } catch {
      history.load([]);
    }
  }

  function guarded(change: () => void): SessionStatus {
    const at = history.position;
    try {
      publish(change);
    } catch {
      publish(() => recover(at));
    }
    return status();
  }

  return {
    session,
    history,

    async exec(
      line: string,
      opts: { snapshot?: boolean; base?: number } = {},
    ): Promise<ExecResult> {
      const at = history.position;
      if (/[\r\n]/.test(line)) {
        return {
          ok: false,
          kind: 'op',
          code: 'Syntax',
          text: 'error Syntax: one command per line',
          effects: [],
          violations: violationsOf(session),
          step: at,
          status: status(),
        };
      }
      const t0 = performance.now();
      try {
        const r = publish(() => history.exec(line));
        const { line: _line, source: _source, ...printed } = lineResult(r);
        return {
          ...printed,
          effects: effectsOf(r),
          violations: violationsOf(session),
          step: history.position,
          status: status(),
          ms: performance.now() - t0,
          ...(opts.snapshot ? { ...snapshotFor(opts.base), epoch: Atomics.load(epoch, 0) } : {}),
        };
      } catch (err) {
        publish(() => recover(at));
        return {
          ok: false,
          kind: 'op',
          text: internal(err),
          effects: [],
          violations: violationsOf(session),
          step: history.position,
          status: status(),
        };
      }
    },

    async loadLink(fragment: string): Promise<LoadResult> {
      let shared: { script: string; step: number | undefined };
      try {
        shared = decodeFragment(fragment);
      } catch (err) {
        return {
          ok: false,
          error: err instanceof Error ? err.message : String(err),
          results: [],
          status: status(),
        };
      }
      return this.load(shared.script, shared.step);
    },

    async link(step?: number): Promise<string> {
      return encodeFragment(history.lines().join('\n'), step ?? history.position);
    },

    async load(script: string, step?: number): Promise<LoadResult> {
      const lines = scriptLines(script);
      try {
        publish(() => history.load(lines, step ?? lines.length));
      } catch (err) {
        publish(() => history.load([]));
        return { ok: false, error: internal(err), results: [], status: status() };
      }
      const results: ScriptLineResult[] = [];
      for (let i = 0; i < history.position; i++) {
        const r = history.result(i);
        if (r && r.kind !== 'blank') results.push(lineResult(r));
      }
      return { ok: true, results, status: status() };
    },

    async reset() {
      return guarded(() => history.load([]));
    },

    async back() {
      return guarded(() => {
        let j = history.position - 1;
        while (j > 0 && isBlank(history.source(j - 1))) j--;
        if (j >= 0) history.seek(j);
      });
    },

    async forward() {
      return guarded(() => {
        let j = history.position + 1;
        while (j < history.length && isBlank(history.source(j - 1))) j++;
        if (j <= history.length) history.seek(j);
      });
    },

    async seek(step: number) {
      return guarded(() => history.seek(Number.isFinite(step) ? step : 0));
    },

    async status() {
      return status(true);
    },

    async timeline(from = 0): Promise<TimelineEntry[]> {
      const out: TimelineEntry[] = [];
      for (let i = Math.max(0, from); i < history.length; i++) {
        const source = history.source(i);
        if (isBlank(source)) continue;
        const r = history.result(i);
        const e: TimelineEntry = {
          step: i + 1,
          line: i + 1,
          source,
          summary: r ? summary(formatResult(r)) : '',
        };
        if (r) {
          e.ok = r.ok;
          e.kind = r.kind;
          if (r.violations?.length) e.violated = true;
        }
        out.push(e);
      }
      return out;
    },

    async script() {
      return history.lines().join('\n');
    },

    async snapshot(opts: { inspect?: number } = {}) {
      return snapshotOf(opts.inspect);
    },

    async snapshotSince(base: number) {
      return snapshotFor(base);
    },

    async frame(pfn: number) {
      return buildFrameDetail(session, pfn);
    },

    async complete(prefix: string) {
      return complete(prefix, session.machine.ghost.handles.keys());
    },

    async prediction(step: number) {
      return predictionAt(history, step);
    },

    async exerciseKinds() {
      return exerciseKinds();
    },

    async exercise(spec: string) {
      return exerciseInfo(String(spec));
    },

    async judge(ref, given: string) {
      try {
        return 'ask' in ref
          ? judgePrediction(history, session, ref.ask, String(given))
          : judgeExercise(String(ref.exercise), String(given));
      } catch {
        return null;
      }
    },

    async epoch() {
      return epoch.buffer instanceof ArrayBuffer ? null : (epoch.buffer as SharedArrayBuffer);
    },

    async crash() {
      setTimeout(() => {
        throw new Error('PageLab debug: the simulation worker was told to crash');
      }, 0);
    },

    async ping() {
      return true;
    },

    async hang(how: 'loop' | 'close') {
      setTimeout(() => {
        const close = (globalThis as { close?: () => void }).close;
        if (how === 'close' && close) close();
        else
          for (const t = Date.now(); Date.now() >= t;) {
            // Forever, silently: no error event, no answer.
          }
      }, 0);
    },
  };
}

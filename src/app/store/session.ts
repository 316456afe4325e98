// The session as the UI mirrors it (UI state only; the machine lives in the worker): the script's
// lines and the position, the timeline's visible entries, the last status (state hash, current
// step, violations), the views' snapshot, and notices (banners). `afterExec` is the one rule that
// keeps the mirror equal to the worker's History after a typed command.
import { create } from 'zustand';
import type { ExecResult, ExerciseInfo, SessionStatus, TimelineEntry } from '../../bridge/api';
import type { Snapshot } from '../../bridge/snapshot';

export type Phase = 'starting' | 'ready' | 'recovering' | 'failed' | 'unavailable';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface SessionState {
  phase: Phase;
  /** The whole script, blank lines included (so positions are line numbers). */
  lines: string[];
  status: SessionStatus | null;
  timeline: TimelineEntry[];
  snapshot: Snapshot | null;
  notices: Notice[];
  /** Where the script came from, for the header (`default`, a scenario, a file, a link). */
  title: string;
  /**
   * The exercise panel: closed (undefined), open with no exercise yet (null), or the exercise
   * asked (or why its link was refused).
   */
  exercise?: ExerciseInfo | null;
}

export const useSession = create<SessionState>()(() => ({
  phase: 'starting',
  lines: [],
  status: null,
  timeline: [],
  snapshot: null,
  notices: [],
  title: '',
}));

let noticeId = 1;

export function notify(kind: Notice['kind'], text: string): void {
  useSession.setState((s) => ({
    notices: [...s.notices, { id: noticeId++, kind, text }].slice(-4),
  }));
}

export function dismiss(id: number): void {
  useSession.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

const SUMMARY_CHARS = 160;

export function summaryOf(text: string): string {
  const first = text.split('\n', 1)[0] ?? '';
  return first.length > SUMMARY_CHARS ? `${first.slice(0, SUMMARY_CHARS - 1)}…` : first;
}

/**
 * The mirror after `line` ran at position `before` with result `r`: the future is dropped and the
 * line appended (listed in the timeline unless blank). null when the worker did not record the line
 * as the next step (an internal error): the caller then asks the worker for its script.
 */
export function afterExec(
  lines: readonly string[],
  timeline: readonly TimelineEntry[],
  before: number,
  line: string,
  r: ExecResult,
): { lines: string[]; timeline: TimelineEntry[] } | null {
  if (r.step !== before + 1) return null;
  // Typed at the end (the usual case), nothing is dropped: a copy, not a filter.
  const kept =
    (timeline.at(-1)?.step ?? 0) <= before
      ? timeline.slice()
      : timeline.filter((e) => e.step <= before);
  if (r.kind !== 'blank')
    kept.push({
      step: r.step,
      line: r.step,
      source: line,
      ok: r.ok,
      kind: r.kind,
      summary: summaryOf(r.text),
      ...(r.violations.length > 0 ? { violated: true } : {}),
    });
  const out = lines.slice(0, before);
  out.push(line);
  return { lines: out, timeline: kept };
}

/** The timeline entry the position is at (the last visible one at or before it), or -1. */
export function currentEntry(timeline: readonly TimelineEntry[], step: number): number {
  let lo = 0;
  let hi = timeline.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (timeline[mid]!.step <= step) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

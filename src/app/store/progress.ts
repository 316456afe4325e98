// Lesson progress, kept in the browser: per lesson, the furthest step reached and the predictions
// answered right and wrong (by the step of their `ask` line; the last answer counts).
import { create } from 'zustand';

export interface LessonProgress {
  furthest: number;
  length: number;
  right: number[];
  wrong: number[];
}

interface ProgressState {
  lessons: Record<string, LessonProgress>;
  /** The learner reached `step` of `length` in lesson `id`. */
  reached(id: string, step: number, length: number): void;
  /** The prediction at `ask` was answered right or wrong. */
  answered(id: string, ask: number, right: boolean): void;
}

const KEY = 'pagelab.lessons.v1';

function load(): Record<string, LessonProgress> {
  try {
    const raw = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}') as unknown;
    return raw && typeof raw === 'object' ? (raw as Record<string, LessonProgress>) : {};
  } catch {
    return {};
  }
}

const EMPTY: LessonProgress = { furthest: 0, length: 0, right: [], wrong: [] };

export const useProgress = create<ProgressState>()((set, get) => {
  const update = (id: string, f: (p: LessonProgress) => LessonProgress) => {
    const lessons = { ...get().lessons, [id]: f({ ...EMPTY, ...get().lessons[id] }) };
    set({ lessons });
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(lessons));
    } catch {
      // Storage full or disabled: progress is best effort.
    }
  };
  return {
    lessons: load(),
    reached: (id, step, length) => {
      const p = get().lessons[id];
      if (p && p.furthest >= step && p.length === length) return;
      update(id, (q) => ({ ...q, furthest: Math.max(q.furthest, step), length }));
    },
    answered: (id, ask, right) =>
      update(id, (q) => ({
        ...q,
        right: right ? [...new Set([...q.right, ask])] : q.right.filter((s) => s !== ask),
        wrong: right ? q.wrong.filter((s) => s !== ask) : [...new Set([...q.wrong, ask])],
      })),
  };
});

/** "2/3 right · 40%" for the lesson list (empty when not started). */
export function progressText(p: LessonProgress | undefined, asks: number): string {
  if (!p || p.furthest === 0) return '';
  const pct = p.length ? Math.round((p.furthest / p.length) * 100) : 0;
  const answered = p.right.length + p.wrong.length;
  return `${answered ? `${p.right.length}/${asks} right · ` : ''}${pct === 100 ? 'done' : `${pct}%`}`;
}

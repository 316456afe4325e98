// The terminal's output: every line it printed, in order (UI state only: the simulation's state
// lives in the worker). The terminal writes new lines to xterm as they arrive; the same list is its
// text twin for screen readers and tests.
import { create } from 'zustand';

/**
 * input: a command (typed, or from a loaded script); ok/error: a command's result; pass/fail: an
 * expectation's verdict; note/ask: narration; info/warn: the app speaking.
 */
export type LogKind = 'input' | 'ok' | 'error' | 'pass' | 'fail' | 'note' | 'ask' | 'info' | 'warn';

export interface LogLine {
  id: number;
  kind: LogKind;
  text: string;
  /** A syntax error's column in the input line above it (1-based). */
  col?: number;
  /** An input line the user typed at the prompt (already on screen). */
  typed?: boolean;
}

interface LogState {
  lines: LogLine[];
  append(entries: ReadonlyArray<Omit<LogLine, 'id'>>): void;
  clear(): void;
}

/** The log keeps the last MAX_LINES lines. */
export const MAX_LINES = 2000;

let nextId = 1;

export const useLog = create<LogState>()((set) => ({
  lines: [],
  append: (entries) =>
    set((state) => {
      if (entries.length === 0) return state;
      // One copy of the log a call (this runs on a command's publication path), trimmed only when full.
      const lines = state.lines.concat(entries.map((e) => ({ ...e, id: nextId++ })));
      if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
      return { lines };
    }),
  clear: () => set({ lines: [] }),
}));

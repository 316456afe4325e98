// UI state for the terminal stand-in: the lines of the output log. UI state only: the
// simulation's state lives in the worker.
import { create } from 'zustand';

/** input: a command the user (or the default scenario) ran; ok/error: its result; info: the app. */
export type LogKind = 'input' | 'ok' | 'error' | 'info';

export interface LogLine {
  id: number;
  kind: LogKind;
  text: string;
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
    set((state) => ({
      lines: [...state.lines, ...entries.map((e) => ({ ...e, id: nextId++ }))].slice(-MAX_LINES),
    })),
  clear: () => set({ lines: [] }),
}));

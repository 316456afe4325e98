// UI-only state: the selection the views share, the layout and the theme (the last two persist).
import { create } from 'zustand';
import type { Selection } from '../views';

export type Theme = 'dark' | 'light';

export interface Layout {
  /** The terminal column's share of the width, in percent. */
  terminalPct: number;
  timelineOpen: boolean;
}

interface UiState {
  selection: Selection;
  theme: Theme;
  layout: Layout;
  select(s: Selection): void;
  setTheme(t: Theme): void;
  setLayout(l: Partial<Layout>): void;
}

const KEY = 'pagelab.ui.v1';

function saved(): { theme?: Theme; layout?: Partial<Layout> } {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}') as {
      theme?: Theme;
      layout?: Partial<Layout>;
    };
  } catch {
    return {};
  }
}

function persist(s: Pick<UiState, 'theme' | 'layout'>): void {
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify({ theme: s.theme, layout: s.layout }));
  } catch {
    // Storage full or disabled: the UI still works, it just forgets.
  }
}

export const clampPct = (p: number): number => Math.min(75, Math.max(20, Math.round(p)));

const initial = saved();

export const useUi = create<UiState>()((set, get) => ({
  selection: null,
  theme: initial.theme === 'light' ? 'light' : 'dark',
  layout: {
    terminalPct: clampPct(initial.layout?.terminalPct ?? 40),
    timelineOpen: initial.layout?.timelineOpen ?? true,
  },
  select: (selection) => set({ selection }),
  setTheme: (theme) => {
    set({ theme });
    persist(get());
  },
  setLayout: (l) => {
    const layout = { ...get().layout, ...l };
    layout.terminalPct = clampPct(layout.terminalPct);
    set({ layout });
    persist(get());
  },
}));

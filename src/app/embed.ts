// Embedding (`?embed=1&panels=terminal,frames,…`): the chosen panels of a shared scenario, without
// the header chrome, for an iframe in a course page. The panel names are documented in README.md.
export const PANELS = [
  'terminal',
  'frames',
  'pt',
  'as',
  'tlb',
  'ledger',
  'dma',
  'timeline',
] as const;
export type PanelName = (typeof PANELS)[number];

export interface Embed {
  panels: ReadonlySet<PanelName>;
  /** Names in `panels=` that are not panels (the page says so). */
  unknown: string[];
}

/** The embedding asked for by a query string (null: the full app). */
export function embedOf(search: string): Embed | null {
  const q = new URLSearchParams(search);
  if (q.get('embed') !== '1') return null;
  const names = (q.get('panels') ?? PANELS.join(','))
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const known = (n: string): n is PanelName => (PANELS as readonly string[]).includes(n);
  const panels = new Set(names.filter(known));
  return {
    panels: panels.size ? panels : new Set(PANELS),
    unknown: names.filter((n) => !known(n)),
  };
}
